#!/usr/bin/env python3
"""Writes a learning-portal completion file for the import benchmark.

    python3 scripts/completions-csv.py DB ROWS OUT [--seed N]

From a generated data set: nine rows in ten are new completions (a theory
part of the chemotherapy licence on a day in the last month), one in ten
repeats a completion already recorded, and one row in five names the person
by e-mail instead of HSA-id. Deterministic for a seed.
"""

import argparse
import csv
import datetime
import random
import sqlite3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("rows", type=int)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    people = conn.execute(
        "SELECT hsa_id, email FROM person WHERE hsa_id IS NOT NULL AND email IS NOT NULL"
        " AND (left_on IS NULL) AND profession IN ('nurse', 'assistant_nurse') ORDER BY id"
    ).fetchall()
    recorded = conn.execute(
        "SELECT p.hsa_id, p.email, t.code, c.part, c.completed_on FROM licence_completion c"
        " JOIN person p ON p.id = c.person_id JOIN licence_type t ON t.id = c.licence_type_id"
        " LEFT JOIN licence_revocation v ON v.completion_id = c.id"
        " WHERE v.completion_id IS NULL AND p.hsa_id IS NOT NULL AND c.id % 97 = 0 LIMIT ?",
        (args.rows,),
    ).fetchall()
    today = datetime.date.today()
    new_rows = args.rows - args.rows // 10
    chosen = rng.sample(people, min(new_rows, len(people)))
    rows = []
    for hsa_id, email, *_ in chosen:
        day = today - datetime.timedelta(days=rng.randrange(1, 31))
        rows.append((hsa_id, email, "CYTO", "theory", day.isoformat()))
    rows.extend(recorded[: args.rows - len(rows)])
    rng.shuffle(rows)
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["hsa_id", "email", "licence", "part", "completed_on"])
        for i, (hsa_id, email, code, part, on) in enumerate(rows):
            if i % 5 == 4:
                out.writerow(["", email, code, part, on])
            else:
                out.writerow([hsa_id, "", code, part, on])


if __name__ == "__main__":
    main()
