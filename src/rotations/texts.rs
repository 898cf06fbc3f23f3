//! Texts of this domain's pages, `(key, svenska, English)`; part of the
//! catalogue in `crate::i18n`.

/// This domain's catalogue entries.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    (
        "rotations.kind.general",
        "Allmän placering",
        "General placement",
    ),
    (
        "rotations.kind.radiotherapy",
        "Strålbehandling (sammanhängande)",
        "Radiotherapy (continuous)",
    ),
    (
        "rotations.error.end_before_start",
        "Slutdatum är före startdatum.",
        "The end is before the start.",
    ),
    (
        "rotations.error.too_long",
        "Placeringen är längre än tio år.",
        "The placement is longer than ten years.",
    ),
    (
        "rotations.error.extent",
        "Omfattningen ska vara 1–100 %.",
        "The extent must be 1–100 %.",
    ),
    (
        "rotations.error.no_salary",
        "Ingen lön gäller på placeringens första dag: lönen måste börja senast på startdatum.",
        "No salary applies on the first day: the salary must start on or before the start date.",
    ),
    (
        "rotations.error.negative_salary",
        "Månadskostnaden kan inte vara negativ.",
        "The monthly cost cannot be negative.",
    ),
    (
        "rotations.error.duplicate_salary",
        "Två lönerader börjar samma dag.",
        "Two salary rows start on the same day.",
    ),
    (
        "rotations.error.home_reversed",
        "Hemperioden slutar före den börjar.",
        "The home period ends before it starts.",
    ),
    (
        "rotations.error.home_before_start",
        "Hemperioden börjar före placeringen.",
        "The home period starts before the placement.",
    ),
    (
        "rotations.error.home_after_end",
        "Hemperioden slutar efter placeringen.",
        "The home period ends after the placement.",
    ),
    (
        "rotations.error.home_overlap",
        "Hemperioden överlappar en annan hemperiod.",
        "The home period overlaps another home period.",
    ),
    (
        "agreements.error.no_tiers",
        "Avtalet behöver minst en nivå.",
        "The agreement needs at least one tier.",
    ),
    (
        "agreements.error.not_from_one",
        "Första nivån ska börja i månad 1.",
        "The first tier must start at month 1.",
    ),
    (
        "agreements.error.gap",
        "Nivån ska börja månaden efter att föregående nivå slutar.",
        "The tier must start the month after the previous tier ends.",
    ),
    (
        "agreements.error.tier_reversed",
        "Nivån slutar före den börjar.",
        "The tier ends before it starts.",
    ),
    (
        "agreements.error.open_not_last",
        "Bara sista nivån får sakna slutmånad.",
        "Only the last tier may be open-ended.",
    ),
    (
        "agreements.error.permille",
        "Värdens andel ska vara 0–1000 promille.",
        "The host's share must be 0–1000 per mille.",
    ),
    (
        "agreements.error.negative_cap",
        "Taket kan inte vara negativt.",
        "The cap cannot be negative.",
    ),
];
