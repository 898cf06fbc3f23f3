//! The SQL of the developers' tools that the domains' stores have no use
//! for.

use rusqlite::Connection;

/// Every administration's name with the codes of its units.
pub fn administrations_with_units(
    conn: &Connection,
) -> rusqlite::Result<Vec<(String, Vec<String>)>> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut stmt = conn.prepare(
        "SELECT a.name, u.code FROM administration a LEFT JOIN unit u ON u.administration_id = a.id
         ORDER BY a.id, u.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    for row in rows {
        let (admin, unit) = row?;
        match out.last_mut() {
            Some((name, units)) if *name == admin => units.extend(unit),
            _ => out.push((admin, unit.into_iter().collect())),
        }
    }
    Ok(out)
}
