//! Texts of this part of the domain's pages, `(key, svenska, English)`; part
//! of the catalogue in `crate::i18n`.

/// This part's catalogue entries.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    // Trainees and training elements
    ("trainees.title", "ST-läkare", "ST doctors"),
    ("trainees.new", "Ny ST-läkare", "New ST doctor"),
    ("trainees.edit", "Ändra ST-läkare", "Edit ST doctor"),
    (
        "trainees.none",
        "Inga ST-läkare ännu.",
        "No ST doctors yet.",
    ),
    (
        "trainees.person",
        "Person (ST-läkare)",
        "Person (ST doctor)",
    ),
    (
        "trainees.no_st_doctors",
        "Alla ST-läkare i personalregistret har redan en post; lägg till personen med yrket ST-läkare först.",
        "Every ST doctor in the staff register already has a record; add the person with profession ST doctor first.",
    ),
    ("trainees.home_unit", "Hemklinik", "Home clinic"),
    ("trainees.specialty", "Specialitet", "Specialty"),
    ("trainees.rulebook", "Föreskrift", "Regulation"),
    ("trainees.st_period", "ST-period", "ST period"),
    ("trainees.st_start", "ST-start", "ST start"),
    ("trainees.planned_end", "Planerat slut", "Planned end"),
    ("trainees.study_director", "Studierektor", "Study director"),
    ("trainees.supervisor", "Handledare", "Supervisor"),
    ("trainees.salary", "Månadskostnad", "Monthly cost"),
    (
        "trainees.monthly_cost",
        "Månadskostnad (kr, lön med sociala avgifter)",
        "Monthly cost (SEK, salary with social fees)",
    ),
    (
        "trainees.monthly_cost_help",
        "Gäller från ST-start. Senare ändringar läggs till på ST-läkarens sida.",
        "Applies from the ST start. Later changes are added on the doctor's page.",
    ),
    ("trainees.salary_history", "Lönekostnad", "Salary cost"),
    (
        "trainees.no_salary",
        "Ingen lönekostnad registrerad: fördelningen kan inte beräknas.",
        "No salary cost recorded: the split cannot be computed.",
    ),
    ("trainees.effective_from", "Gäller från", "Effective from"),
    ("trainees.recorded", "Registrerad", "Recorded"),
    (
        "trainees.add_salary",
        "Lägg till lönerevision",
        "Add salary revision",
    ),
    (
        "trainees.salary_help",
        "Historiken ändras aldrig: en revision läggs till. Godkända placeringar som berörs får justeringsrader daterade i dag.",
        "The history is never changed: a revision is added. Approved placements it touches get adjustment lines dated today.",
    ),
    (
        "trainees.elements_title",
        "Utbildningsmoment",
        "Training elements",
    ),
    (
        "trainees.elements_help",
        "Moment per specialitet som studierektorn för: vilka delmål de täcker helt eller delvis, föreslagen längd, och om de måste göras på värdsjukhuset.",
        "Elements per specialty kept by study directors: the goals they cover largely or partly, a suggested length, and whether they must be done at the host hospital.",
    ),
    (
        "trainees.no_elements",
        "Inga utbildningsmoment för specialiteten.",
        "No training elements for the specialty.",
    ),
    (
        "trainees.new_element",
        "Nytt utbildningsmoment",
        "New training element",
    ),
    (
        "trainees.edit_element",
        "Ändra utbildningsmoment",
        "Edit training element",
    ),
    (
        "trainees.goals_largely",
        "Delmål, till stor del",
        "Goals, largely",
    ),
    ("trainees.goals_partly", "Delmål, delvis", "Goals, partly"),
    (
        "trainees.suggested_months",
        "Föreslagen längd (månader)",
        "Suggested length (months)",
    ),
    (
        "trainees.at_host",
        "Görs på värdsjukhuset",
        "Done at the host",
    ),
    ("trainees.element_done", "Klart", "Done"),
    ("trainees.element_planned", "Planerat", "Planned"),
    ("trainees.element_missing", "Saknas", "Missing"),
    (
        "trainees.goals_open",
        "Delmål som ännu inte täcks",
        "Goals not yet covered",
    ),
    (
        "trainees.err_person",
        "Välj en person med yrket ST-läkare.",
        "Choose a person whose profession is ST doctor.",
    ),
    (
        "trainees.err_exists",
        "Personen har redan en ST-post.",
        "The person already has an ST record.",
    ),
    (
        "trainees.err_rulebook",
        "Välj SOSFS 2015:8 eller HSLF-FS 2021:8.",
        "Choose SOSFS 2015:8 or HSLF-FS 2021:8.",
    ),
    (
        "trainees.err_amount",
        "Ange ett belopp i kronor, t.ex. 52 500 eller 52500,50.",
        "Enter an amount in kronor, e.g. 52 500 or 52500.50.",
    ),
    (
        "trainees.err_goal",
        "Okänd delmålskod (c1, c2 … eller STc1, STc2 …)",
        "Unknown goal code (c1, c2 … or STc1, STc2 …)",
    ),
    (
        "trainees.err_months",
        "Ett heltal 1–36.",
        "A whole number 1–36.",
    ),
    (
        "trainees.err_element_exists",
        "Specialiteten har redan ett moment med det namnet.",
        "The specialty already has an element with that name.",
    ),
    // Placements
    ("placements.title", "Placeringar", "Placements"),
    ("placements.one", "Placering", "Placement"),
    ("placements.nav", "Randning", "Rotations"),
    ("placements.new", "Ny placering", "New placement"),
    ("placements.edit", "Ändra placering", "Edit placement"),
    ("placements.none", "Inga placeringar.", "No placements."),
    ("placements.trainee", "ST-läkare", "ST doctor"),
    ("placements.host", "Värdenhet", "Host unit"),
    ("placements.unit", "Enhet", "Unit"),
    ("placements.kind", "Typ", "Kind"),
    ("placements.period", "Period", "Period"),
    ("placements.start", "Startdatum", "Start"),
    ("placements.end", "Slutdatum (inklusive)", "End (inclusive)"),
    ("placements.months", "månader", "months"),
    ("placements.months_label", "Antal månader", "Months shown"),
    (
        "placements.extent",
        "Omfattning hos värden (%)",
        "Extent at the host (%)",
    ),
    (
        "placements.host_supervisor",
        "Handledare hos värden",
        "Supervisor at the host",
    ),
    ("placements.certificate", "Intyg", "Certificate"),
    ("placements.cert_not_started", "Ej påbörjat", "Not started"),
    (
        "placements.cert_pending",
        "Väntar på signering",
        "Awaiting signature",
    ),
    ("placements.cert_signed", "Signerat", "Signed"),
    ("placements.status_planned", "Planerad", "Planned"),
    ("placements.status_approved", "Godkänd", "Approved"),
    ("placements.status_active", "Pågår", "Active"),
    ("placements.status_completed", "Avslutad", "Completed"),
    ("placements.status_cancelled", "Inställd", "Cancelled"),
    ("placements.agreement", "Avtal", "Agreement"),
    ("placements.approved_plan", "Godkänd plan", "Approved plan"),
    ("placements.approve", "Godkänn", "Approve"),
    ("placements.cancel", "Ställ in", "Cancel placement"),
    ("placements.capacity", "kapacitet", "capacity"),
    (
        "placements.split_title",
        "Kostnadsfördelning per månad",
        "Cost split per month",
    ),
    (
        "placements.ledger_title",
        "Rapporterat och justeringar",
        "Reported and adjustments",
    ),
    (
        "placements.ledger_help",
        "Raderna från godkännandet ändras aldrig. När en godkänd placering ändras (förkortas, förlängs, får en hemperiod eller en lönerevision) läggs skillnaden till som justeringsrader med ändringens datum; summan per månad är den aktuella fördelningen.",
        "The lines from the approval never change. When an approved placement changes (ends early, is extended, gets a home period or a salary revision) the difference is added as adjustment lines dated the change; each month's lines sum to the current split.",
    ),
    ("placements.ledger_date", "Datum", "Date"),
    ("placements.ledger_kind", "Rad", "Line"),
    (
        "placements.ledger_reported",
        "Rapporterat vid godkännande",
        "Reported at approval",
    ),
    ("placements.ledger_adjustment", "Justering", "Adjustment"),
    ("placements.ledger_cause", "Orsak", "Cause"),
    ("placements.cause_salary", "Lönerevision", "Salary revision"),
    ("placements.cause_change", "Ändrad plan", "Changed plan"),
    ("placements.cause_home_period", "Hemperiod", "Home period"),
    ("placements.cause_cancel", "Inställd", "Cancelled"),
    (
        "placements.home_periods",
        "Hemkallad och ledighet",
        "Called home and leave",
    ),
    (
        "placements.add_home_period",
        "Lägg till hemperiod",
        "Add home period",
    ),
    ("placements.reason", "Orsak", "Reason"),
    ("placements.reason_called_home", "Hemkallad", "Called home"),
    ("placements.reason_leave", "Ledighet", "Leave"),
    ("placements.note", "Anteckning", "Note"),
    (
        "placements.no_agreement",
        "Inget avtal gäller för planen; lägg till ett reservavtal.",
        "No agreement applies to the plan; add a fallback agreement.",
    ),
    (
        "placements.no_hosts",
        "Inga enheter tar emot ST-läkare (kapacitet saknas).",
        "No units take trainees (no capacity set).",
    ),
    ("placements.timeline_title", "Tidslinje", "Timeline"),
    (
        "placements.timeline_count",
        "Placerade per dag",
        "Placed per day",
    ),
    (
        "placements.timeline_help",
        "Staplarna är placeringarna; remsan under visar antal placerade per dag mot kapaciteten (streckad linje), rött där den överskrids.",
        "Bars are placements; the strip below shows how many are placed per day against the capacity (dashed line), red where it is exceeded.",
    ),
    ("placements.err_required", "Obligatoriskt.", "Required."),
    (
        "placements.err_date",
        "Ange ett datum ÅÅÅÅ-MM-DD.",
        "Enter a date YYYY-MM-DD.",
    ),
    (
        "placements.err_end_before_start",
        "Slutdatum är före startdatum.",
        "The end is before the start.",
    ),
    (
        "placements.err_extent",
        "Omfattningen ska vara ett heltal 1–100.",
        "The extent must be a whole number 1–100.",
    ),
    (
        "placements.err_overlap",
        "Överlappar ST-läkarens placering",
        "Overlaps the trainee's placement",
    ),
    (
        "placements.err_capacity",
        "Värdenheten är full från",
        "The host unit is full from",
    ),
    (
        "placements.err_home_outside",
        "Hemperioden måste ligga inom placeringen",
        "The home period must lie within the placement",
    ),
    (
        "placements.err_home_overlap",
        "Hemperioden överlappar en annan hemperiod.",
        "The home period overlaps another home period.",
    ),
    (
        "placements.err_trainee",
        "Välj en ST-läkare.",
        "Choose an ST doctor.",
    ),
    (
        "placements.err_host",
        "Välj en enhet som tar emot ST-läkare.",
        "Choose a unit that takes trainees.",
    ),
    ("placements.err_kind", "Välj typ.", "Choose a kind."),
    (
        "placements.err_reason",
        "Välj hemkallad eller ledighet.",
        "Choose called home or leave.",
    ),
    (
        "placements.err_certificate",
        "Välj en intygsstatus.",
        "Choose a certificate status.",
    ),
    (
        "placements.err_not_planned",
        "Bara planerade placeringar kan godkännas.",
        "Only planned placements can be approved.",
    ),
    (
        "placements.err_cancelled",
        "Placeringen är inställd.",
        "The placement is cancelled.",
    ),
    // Reports
    (
        "rotreport.costs_title",
        "Randningskostnader",
        "Rotation costs",
    ),
    ("rotreport.capacity_title", "Värdkapacitet", "Host capacity"),
    (
        "rotreport.missing_title",
        "Saknade moment",
        "Missing elements",
    ),
    ("rotreport.year", "Budgetår", "Budget year"),
    (
        "rotreport.per_payer",
        "Per betalare och månad",
        "Per payer and month",
    ),
    ("rotreport.per_placement", "Per placering", "Per placement"),
    (
        "rotreport.help",
        "Hemkliniker och värdenheter med det de betalar per kalendermånad. Klicka på en betalare för dess placeringar och månadsrader med förklaring.",
        "Home clinics and host units with what they pay per calendar month. Choose a payer for its placements and month lines with explanations.",
    ),
    ("rotreport.payer", "Betalare", "Payer"),
    ("rotreport.as_home", "Som hemklinik", "As home clinic"),
    ("rotreport.as_host", "Som värd", "As host"),
    ("rotreport.year_total", "Året", "Year"),
    ("rotreport.total", "Totalt", "Total"),
    ("rotreport.home", "Hemklinik", "Home clinic"),
    ("rotreport.host", "Värd", "Host"),
    ("rotreport.month", "Månad", "Month"),
    ("rotreport.explanation", "Förklaring", "Explanation"),
    ("rotreport.month_lines", "Månadsrader", "Month lines"),
    (
        "rotreport.csv_lines",
        "CSV med månadsrader",
        "CSV of month lines",
    ),
    (
        "rotreport.capacity_help",
        "Flest placerade samma dag per månad de kommande tolv månaderna, mot enhetens kapacitet.",
        "The most trainees placed on one day per month over the coming twelve months, against the unit's capacity.",
    ),
    ("rotreport.over_days", "över kapacitet", "over capacity"),
    (
        "rotreport.missing_none",
        "Ingen ST-läkare saknar moment som ska göras på värdsjukhuset.",
        "No ST doctor is missing elements to be done at the host.",
    ),
];

#[cfg(test)]
mod tests {
    /// Every key this part's code looks up is in the catalogue: a typo would
    /// otherwise show the key itself on the page.
    #[test]
    fn every_key_used_is_in_the_catalogue() {
        let sources = [
            include_str!("placement_pages.rs"),
            include_str!("placements.rs"),
            include_str!("trainees.rs"),
            include_str!("reports.rs"),
            include_str!("timeline.rs"),
        ];
        let mut missing = Vec::new();
        for source in sources {
            for piece in source.split('"').skip(1).step_by(2) {
                let ours = ["trainees.", "placements.", "rotreport."]
                    .iter()
                    .any(|p| piece.starts_with(p));
                let key_like = piece
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                if ours && key_like && !crate::i18n::has_key(piece) {
                    missing.push(piece.to_string());
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the catalogue: {missing:?}"
        );
    }
}
