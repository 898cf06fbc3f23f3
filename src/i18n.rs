//! The translation catalogue. Swedish is the default; every text a user reads is
//! looked up here by key, so the language switch turns every label.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Svenska.
    #[default]
    Sv,
    /// English.
    En,
}

impl Lang {
    /// Parses `sv` or `en`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The ISO code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// Picks the first supported language in an `Accept-Language` header,
    /// honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "sv" => Lang::Sv,
                "en" => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// The text for `key` in this language; the key itself when it is missing,
    /// which a test catches.
    pub fn t(self, key: &'static str) -> &'static str {
        match CATALOGUE.get(key) {
            Some((sv, en)) => match self {
                Lang::Sv => sv,
                Lang::En => en,
            },
            None => key,
        }
    }
}

/// A message made where its facts are (a CSV line, a person's name) and
/// shown where the reader's language is known: the same words in Swedish and
/// English. Build one with [`text!`](crate::text).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Text {
    /// Svenska.
    pub sv: String,
    /// English.
    pub en: String,
}

impl Text {
    /// The message in both languages.
    pub fn new(sv: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            sv: sv.into(),
            en: en.into(),
        }
    }

    /// A checker's `"English / svenska"` message, split into its languages.
    /// Both get the whole text when it is not one such pair: no ` / `, more
    /// than one (a course title inside may hold one), or no English half.
    pub fn from_pair(both: &str) -> Text {
        match both.split_once(" / ") {
            Some((en, sv)) if !en.is_empty() && !sv.contains(" / ") => Text::new(sv, en),
            _ => Text::new(both, both),
        }
    }

    /// The message in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Sv => &self.sv,
            Lang::En => &self.en,
        }
    }

    /// `parts` joined by `separator`, language by language.
    pub fn join(parts: &[Text], separator: &str) -> Text {
        let side = |lang| {
            parts
                .iter()
                .map(|p| p.get(lang))
                .collect::<Vec<_>>()
                .join(separator)
        };
        Text::new(side(Lang::Sv), side(Lang::En))
    }
}

/// A [`Text`] from a Swedish and an English format string over the same
/// arguments: `text!("rad {line}: ny region {region}", "line {line}: new
/// region {region}")`.
#[macro_export]
macro_rules! text {
    ($sv:literal, $en:literal $(,)?) => {
        $crate::i18n::Text::new(format!($sv), format!($en))
    };
    ($sv:literal, $en:literal, $($arg:tt)*) => {
        $crate::i18n::Text::new(format!($sv, $($arg)*), format!($en, $($arg)*))
    };
}

static CATALOGUE: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| entries().map(|(k, sv, en)| (*k, (*sv, *en))).collect());

/// Every entry `(key, svenska, English)`. Every domain keeps its own texts
/// beside its code; the catalogue is their union.
pub fn entries() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    ENTRIES
        .iter()
        .chain(crate::courses::texts::ENTRIES)
        .chain(crate::courses::enrolment_texts::ENTRIES)
        .chain(crate::rotations::texts::ENTRIES)
        .chain(crate::rotations::placement_texts::ENTRIES)
}

/// Whether the catalogue holds `key` (tests use it to find untranslated text).
pub fn has_key(key: &str) -> bool {
    CATALOGUE.contains_key(key)
}

/// `(key, svenska, English)`.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    // Layout and navigation
    ("app.name", "oncotrack", "oncotrack"),
    (
        "app.tagline",
        "Utbildning och behörighet inom cancervården",
        "Training and certification in cancer care",
    ),
    ("nav.home", "Start", "Home"),
    ("nav.organisation", "Organisation", "Organisation"),
    ("nav.people", "Personal", "Staff"),
    ("nav.import", "Import", "Import"),
    ("nav.accounts", "Konton", "Accounts"),
    ("nav.audit", "Logg", "Audit log"),
    ("nav.account", "Mitt konto", "My account"),
    ("nav.logout", "Logga ut", "Sign out"),
    ("nav.login", "Logga in", "Sign in"),
    ("nav.skip", "Hoppa till innehållet", "Skip to content"),
    ("nav.main", "Huvudmeny", "Main menu"),
    ("lang.switch", "In English", "På svenska"),
    ("lang.label", "Språk", "Language"),
    ("common.save", "Spara", "Save"),
    ("common.create", "Skapa", "Create"),
    ("common.search", "Sök", "Search"),
    ("common.filter", "Filtrera", "Filter"),
    ("common.edit", "Ändra", "Edit"),
    ("common.deactivate", "Inaktivera", "Deactivate"),
    ("common.activate", "Aktivera", "Activate"),
    ("common.active", "Aktiv", "Active"),
    ("common.inactive", "Inaktiv", "Inactive"),
    ("common.yes", "Ja", "Yes"),
    ("common.no", "Nej", "No"),
    ("common.name", "Namn", "Name"),
    ("common.email", "E-post", "E-mail"),
    ("common.none", "Inga", "None"),
    ("common.next", "Nästa", "Next"),
    ("common.previous", "Föregående", "Previous"),
    ("common.page", "Sida", "Page"),
    ("common.of", "av", "of"),
    ("common.all", "Alla", "All"),
    ("common.status", "Status", "Status"),
    ("common.from", "Från", "From"),
    ("common.to", "Till", "To"),
    ("common.date", "Datum", "Date"),
    ("common.back", "Tillbaka", "Back"),
    ("common.export_csv", "Exportera CSV", "Export CSV"),
    (
        "common.fix_errors",
        "Rätta de markerade fälten.",
        "Please correct the marked fields.",
    ),
    ("common.saved", "Sparat.", "Saved."),
    ("common.results", "träffar", "results"),
    // Sign-in
    ("login.title", "Logga in", "Sign in"),
    ("login.email", "E-post", "E-mail"),
    ("login.password", "Lösenord", "Password"),
    ("login.submit", "Logga in", "Sign in"),
    (
        "login.failed",
        "Fel e-post eller lösenord.",
        "Wrong e-mail or password.",
    ),
    (
        "login.throttled",
        "För många misslyckade försök. Försök igen om en stund.",
        "Too many failed attempts. Try again later.",
    ),
    (
        "login.expired",
        "Din session har gått ut. Logga in igen.",
        "Your session has ended. Please sign in again.",
    ),
    // Home
    ("home.title", "Start", "Home"),
    ("home.welcome", "Välkommen", "Welcome"),
    ("home.your_roles", "Dina roller", "Your roles"),
    (
        "home.no_person",
        "Kontot är inte kopplat till någon person i personalregistret.",
        "This account is not linked to a person in the staff register.",
    ),
    ("home.your_record", "Din anställning", "Your employment"),
    // Roles
    ("role.admin", "Administratör", "Administrator"),
    ("role.coordinator", "Kurskoordinator", "Course coordinator"),
    ("role.study_director", "Studierektor", "Study director"),
    ("role.manager", "Chef", "Manager"),
    ("role.lecturer", "Föreläsare", "Lecturer"),
    ("role.staff", "Medarbetare", "Staff"),
    // Professions
    ("profession.nurse", "Sjuksköterska", "Nurse"),
    (
        "profession.assistant_nurse",
        "Undersköterska",
        "Assistant nurse",
    ),
    ("profession.st_doctor", "ST-läkare", "ST doctor"),
    ("profession.physician", "Läkare", "Physician"),
    ("profession.other", "Övrig", "Other"),
    // Organisation
    ("org.title", "Organisation", "Organisation"),
    ("org.regions", "Regioner", "Regions"),
    ("org.region", "Region", "Region"),
    ("org.administrations", "Förvaltningar", "Administrations"),
    ("org.administration", "Förvaltning", "Administration"),
    ("org.units", "Enheter", "Units"),
    ("org.unit", "Enhet", "Unit"),
    ("org.code", "Kod", "Code"),
    ("org.gives_chemo", "Ger cytostatika", "Gives chemotherapy"),
    (
        "org.trainee_capacity",
        "Platser för ST-läkare",
        "Trainee capacity",
    ),
    ("org.new_region", "Ny region", "New region"),
    (
        "org.new_administration",
        "Ny förvaltning",
        "New administration",
    ),
    ("org.new_unit", "Ny enhet", "New unit"),
    ("org.edit_unit", "Ändra enhet", "Edit unit"),
    ("org.edit_region", "Ändra region", "Edit region"),
    (
        "org.edit_administration",
        "Ändra förvaltning",
        "Edit administration",
    ),
    ("org.staff_count", "Personal", "Staff"),
    ("org.show_inactive", "Visa inaktiva", "Show inactive"),
    // People
    ("people.title", "Personal", "Staff"),
    ("people.new", "Ny person", "New person"),
    ("people.edit", "Ändra person", "Edit person"),
    ("people.hsa_id", "HSA-id", "HSA-id"),
    ("people.profession", "Yrke", "Profession"),
    ("people.unit", "Enhet", "Unit"),
    ("people.left_on", "Slutade", "Left on"),
    ("people.effective_from", "Gäller från", "Effective from"),
    ("people.employed_from", "Anställd från", "Employed from"),
    (
        "people.history",
        "Anställningshistorik",
        "Employment history",
    ),
    (
        "people.move_hint",
        "Byte av enhet eller yrke sparas som historik från datumet nedan.",
        "A change of unit or profession is kept as history from the date below.",
    ),
    ("people.mark_left", "Markera som slutad", "Mark as left"),
    ("people.rejoin", "Återanställ", "Rehire"),
    ("people.left", "Slutat", "Left"),
    (
        "people.search_hint",
        "Namn, e-post eller HSA-id",
        "Name, e-mail or HSA-id",
    ),
    ("people.ongoing", "pågående", "ongoing"),
    ("people.any_profession", "Alla yrken", "All professions"),
    ("people.any_unit", "Alla enheter", "All units"),
    (
        "people.include_left",
        "Visa även slutade",
        "Include people who left",
    ),
    // Imports
    ("import.title", "Import", "Import"),
    (
        "import.units",
        "Importera organisation",
        "Import organisation",
    ),
    ("import.staff", "Importera personal", "Import staff"),
    ("import.file", "CSV-fil", "CSV file"),
    ("import.preview", "Förhandsgranska", "Preview"),
    ("import.apply", "Genomför importen", "Run the import"),
    (
        "import.errors",
        "Filen har fel. Ingenting har sparats.",
        "The file has errors. Nothing has been saved.",
    ),
    ("import.changes", "Ändringar", "Changes"),
    ("import.no_changes", "Inga ändringar.", "No changes."),
    ("import.done", "Importen är klar.", "The import is done."),
    (
        "import.units_help",
        "Kolumner: region, administration, unit_code, unit_name, gives_chemotherapy (ja/nej), valfritt trainee_capacity. Komma eller semikolon.",
        "Columns: region, administration, unit_code, unit_name, gives_chemotherapy (yes/no), optional trainee_capacity. Comma or semicolon.",
    ),
    (
        "import.staff_help",
        "Kolumner: hsa_id, name, email, profession, unit_code, valfritt employed_from. Matchas på HSA-id, annars e-post.",
        "Columns: hsa_id, name, email, profession, unit_code, optional employed_from. Matched on HSA-id, else e-mail.",
    ),
    ("import.unchanged", "oförändrade", "unchanged"),
    // Accounts
    ("accounts.title", "Konton", "Accounts"),
    ("accounts.new", "Nytt konto", "New account"),
    ("accounts.roles", "Roller", "Roles"),
    ("accounts.scope", "Ansvarsområde", "Scope"),
    ("accounts.password", "Lösenord", "Password"),
    ("accounts.new_password", "Nytt lösenord", "New password"),
    (
        "accounts.current_password",
        "Nuvarande lösenord",
        "Current password",
    ),
    (
        "accounts.password_hint",
        "Minst 12 tecken. Undvik vanliga ord och mönster.",
        "At least 12 characters. Avoid common words and patterns.",
    ),
    (
        "accounts.end_sessions",
        "Avsluta alla sessioner",
        "End all sessions",
    ),
    (
        "accounts.sessions_ended",
        "Sessionerna är avslutade.",
        "The sessions have ended.",
    ),
    ("accounts.tokens", "API-nycklar", "API tokens"),
    ("accounts.new_token", "Ny API-nyckel", "New API token"),
    ("accounts.token_label", "Beskrivning", "Label"),
    (
        "accounts.token_created",
        "Kopiera nyckeln nu; den visas bara en gång:",
        "Copy the token now; it is shown only once:",
    ),
    ("accounts.revoke", "Återkalla", "Revoke"),
    ("accounts.revoked", "Återkallad", "Revoked"),
    ("accounts.person", "Kopplad person", "Linked person"),
    ("accounts.add_role", "Lägg till roll", "Add role"),
    ("accounts.remove", "Ta bort", "Remove"),
    ("accounts.last_used", "Senast använd", "Last used"),
    ("accounts.created", "Skapad", "Created"),
    (
        "accounts.password_changed",
        "Lösenordet är bytt.",
        "The password has been changed.",
    ),
    (
        "accounts.language_saved",
        "Språket är sparat.",
        "The language has been saved.",
    ),
    (
        "accounts.change_password",
        "Byt lösenord",
        "Change password",
    ),
    (
        "accounts.scope_hint",
        "För chef: unit:KOD, administration:ID eller region:ID",
        "For managers: unit:CODE, administration:ID or region:ID",
    ),
    // Audit
    ("audit.title", "Händelselogg", "Audit log"),
    ("audit.at", "Tid", "Time"),
    ("audit.actor", "Vem", "Who"),
    ("audit.address", "Adress", "Address"),
    ("audit.action", "Händelse", "Action"),
    ("audit.entity", "Objekt", "Entity"),
    ("audit.before", "Före", "Before"),
    ("audit.after", "Efter", "After"),
    // Licences
    ("nav.licences", "Mina körkort", "My licences"),
    ("nav.compliance", "Efterlevnad", "Compliance"),
    ("nav.licence_types", "Körkortstyper", "Licence types"),
    ("licence.title", "Körkort", "Licences"),
    ("licence.mine", "Mina körkort", "My licences"),
    (
        "licence.none_required",
        "Inga körkort krävs eller har registrerats.",
        "No licence is required or recorded.",
    ),
    ("licence.required", "Krävs", "Required"),
    ("licence.valid_until", "Giltigt till och med", "Valid until"),
    ("licence.days_left", "Dagar kvar", "Days left"),
    (
        "licence.window_opens",
        "Förnyelsefönstret öppnar",
        "Renewal window opens",
    ),
    ("licence.as_of", "Per datum", "As of"),
    ("licence.history", "Historik", "History"),
    ("licence.completed_on", "Genomfört", "Completed on"),
    ("licence.part", "Del", "Part"),
    ("licence.part_theory", "Teori", "Theory"),
    ("licence.part_practical", "Praktik", "Practical"),
    ("licence.source", "Källa", "Source"),
    ("licence.signed_by", "Signerad av", "Signed by"),
    ("licence.note", "Anteckning", "Note"),
    ("licence.recorded", "Registrerad", "Recorded"),
    ("licence.revoked", "Återkallad", "Revoked"),
    ("licence.revoke", "Återkalla", "Revoke"),
    ("licence.revoke_reason", "Skäl", "Reason"),
    (
        "licence.record",
        "Registrera genomförande",
        "Record a completion",
    ),
    ("licence.type", "Körkort", "Licence"),
    (
        "licence.preview_gives",
        "Om det registreras gäller denna del till och med",
        "If recorded, this part will be valid until",
    ),
    (
        "licence.types",
        "Körkortstyper och krav",
        "Licence types and requirements",
    ),
    ("licence.new_type", "Ny körkortstyp", "New licence type"),
    (
        "licence.edit_type",
        "Ändra körkortstyp",
        "Edit licence type",
    ),
    ("licence.name_sv", "Namn (svenska)", "Name (Swedish)"),
    ("licence.name_en", "Namn (engelska)", "Name (English)"),
    (
        "licence.validity_months",
        "Giltighet i månader",
        "Validity in months",
    ),
    (
        "licence.window_days",
        "Förnyelsefönster i dagar",
        "Renewal window in days",
    ),
    (
        "licence.extend_from_expiry",
        "Förnyelse inom fönstret räknas från gamla slutdatumet",
        "A renewal inside the window runs from the old expiry",
    ),
    (
        "licence.warning_days",
        "Påminnelser, dagar före (t.ex. 90, 30)",
        "Warnings, days before (e.g. 90, 30)",
    ),
    (
        "licence.requires_practical",
        "Kräver praktisk del",
        "Requires a practical part",
    ),
    (
        "licence.practical_validity_months",
        "Praktiska delens giltighet i månader",
        "Practical part's validity in months",
    ),
    (
        "licence.requirements",
        "Vem måste ha körkortet",
        "Who must hold it",
    ),
    (
        "licence.add_requirement",
        "Lägg till krav",
        "Add requirement",
    ),
    (
        "licence.scope_chemo",
        "Alla enheter som ger cytostatika",
        "Every unit that gives chemotherapy",
    ),
    ("status.valid", "Giltigt", "Valid"),
    ("status.expiring", "Går snart ut", "Expiring"),
    ("status.expired", "Utgånget", "Expired"),
    ("status.missing", "Saknas", "Missing"),
    ("compliance.title", "Efterlevnad", "Compliance"),
    ("compliance.by", "Nivå", "Level"),
    ("compliance.levels", "Nivåer", "Levels"),
    ("compliance.required", "Krävs", "Required"),
    ("compliance.share", "Andel giltiga", "Share compliant"),
    ("compliance.total", "Totalt", "Total"),
    ("compliance.chart_label", "Status per rad", "Status per row"),
    (
        "compliance.forecast_label",
        "Körkort som går ut per månad, kommande 12 månader",
        "Licences expiring per month, next 12 months",
    ),
    (
        "compliance.attention",
        "Utgångna och saknade per enhet",
        "Expired and missing per unit",
    ),
    (
        "compliance.show_all",
        "Visa alla på enhetens sida",
        "Show all on the unit's page",
    ),
    (
        "compliance.export_people",
        "Exportera personer (CSV)",
        "Export people (CSV)",
    ),
    // Errors
    ("error.not_found", "Sidan finns inte.", "Page not found."),
    (
        "error.forbidden",
        "Du har inte behörighet till det här.",
        "You are not allowed to do this.",
    ),
    // Completion import (learning portal) and import batches
    (
        "completions_import.title",
        "Importera genomförda utbildningar",
        "Import completions",
    ),
    (
        "completions_import.help",
        "CSV-fil från lärplattformen med kolumnerna hsa_id eller email (minst en av dem), licence (körkortets kod, t.ex. CYTO) och completed_on (ÅÅÅÅ-MM-DD), och vid behov part (theory eller practical), signed_by (handledaren som signerat en praktisk del) och note. Rader som redan är registrerade hoppas över. UTF-8, med komma eller semikolon.",
        "CSV file from the learning portal with the columns hsa_id or email (at least one of them), licence (the licence code, e.g. CYTO) and completed_on (YYYY-MM-DD), and if needed part (theory or practical), signed_by (the supervisor who signed a practical part) and note. Rows already recorded are skipped. UTF-8, with commas or semicolons.",
    ),
    ("completions_import.rows", "Rader", "Rows"),
    ("completions_import.to_add", "Läggs till", "To add"),
    ("completions_import.added", "Tillagda", "Added"),
    (
        "completions_import.already_recorded",
        "Redan registrerade",
        "Already recorded",
    ),
    (
        "completions_import.nothing_to_add",
        "Inget nytt att registrera: alla rader finns redan.",
        "Nothing new to record: every row is already recorded.",
    ),
    (
        "completions_import.per_licence",
        "Per körkort och del",
        "Per licence and part",
    ),
    ("completions_import.more_rows", "rader till", "more rows"),
    (
        "completions_import.batches",
        "Importerade filer",
        "Imported files",
    ),
    (
        "completions_import.no_batches",
        "Inga importerade filer ännu.",
        "No imported files yet.",
    ),
    ("completions_import.kind", "Slag", "Kind"),
    ("completions_import.created", "Importerad", "Imported"),
    ("completions_import.by", "Av", "By"),
    ("completions_import.by_cli", "kommandoraden", "command line"),
    ("completions_import.in_effect", "Gäller", "In effect"),
    ("completions_import.undone", "Ångrad", "Undone"),
    (
        "completions_import.undo",
        "Ångra importen",
        "Undo the import",
    ),
    ("completions_import.undo_reason", "Skäl", "Reason"),
    (
        "completions_import.undo_done",
        "Importen är ångrad och dess registreringar återkallade",
        "The import is undone and its completions revoked",
    ),
    ("completions_import.revoked", "återkallade", "revoked"),
    (
        "completions_import.undo_reason_required",
        "Ange ett skäl för att ångra importen.",
        "Give a reason for undoing the import.",
    ),
    (
        "completions_import.undo_already",
        "Importen är redan ångrad.",
        "The import is already undone.",
    ),
    (
        "completions_import.undo_wrong_kind",
        "Bara importer av genomförda utbildningar kan ångras här.",
        "Only completion imports can be undone here.",
    ),
    (
        "completions_import.undo_missing",
        "Importen finns inte.",
        "No such import.",
    ),
    ("verify.title", "Verifieringslänkar", "Verification links"),
    (
        "verify.create",
        "Skapa verifieringslänk",
        "Create verification link",
    ),
    (
        "verify.explain",
        "Den som har länken ser namnet, körkortet, dagens status och giltighetstiden – inget annat. Länken fungerar tills den återkallas.",
        "Whoever has the link sees the name, the licence, today's status and valid-until – nothing else. The link works until it is revoked.",
    ),
    (
        "verify.shown_once",
        "Här är länken. Den visas bara nu: kopiera den eller spara QR-koden.",
        "Here is the link. It is shown only now: copy it or save the QR code.",
    ),
    ("verify.qr", "QR-kod för länken", "QR code for the link"),
    ("verify.none", "Inga länkar ännu.", "No links yet."),
    ("verify.created", "Skapad", "Created"),
    ("verify.created_by", "Skapad av", "Created by"),
    ("verify.live", "Gäller", "Active"),
    (
        "verify.public_title",
        "Verifiering av körkort",
        "Licence verification",
    ),
    ("verify.status_today", "Status i dag", "Status today"),
    // Messages and licence reminders
    ("nav.messages", "Meddelanden", "Messages"),
    ("nav.outbox", "Utkorg", "Outbox"),
    ("messages.title", "Meddelanden", "Messages"),
    (
        "messages.intro",
        "Påminnelser om dina körkort och, för chefer, veckosammanställningar. De skickas också med e-post när servern har e-post inställd.",
        "Reminders about your licences and, for managers, weekly digests. They are also e-mailed when the server has e-mail set up.",
    ),
    ("messages.none", "Inga meddelanden.", "No messages."),
    ("messages.sent", "E-postat", "E-mailed"),
    ("messages.unsent", "Endast här", "Shown here only"),
    ("messages.failed", "E-post misslyckades", "E-mail failed"),
    (
        "messages.kind_licence_warning",
        "Körkort går ut",
        "Licence expiring",
    ),
    (
        "messages.kind_licence_expired",
        "Körkort har gått ut",
        "Licence expired",
    ),
    (
        "messages.kind_manager_digest",
        "Veckosammanställning",
        "Weekly digest",
    ),
    (
        "messages.kind_lecturer_confirmed",
        "Föreläsare bekräftad",
        "Lecturer confirmed",
    ),
    (
        "messages.kind_lecturer_declined",
        "Föreläsaranmälan avböjd",
        "Lecturer offer declined",
    ),
    (
        "messages.kind_lecturer_withdrawn",
        "Föreläsare har återtagit",
        "Lecturer withdrew",
    ),
    (
        "messages.kind_enrolment_promoted",
        "Plats från reservlistan",
        "Place from the waitlist",
    ),
    (
        "messages.kind_offering_cancelled",
        "Kurstillfälle inställt",
        "Offering cancelled",
    ),
    (
        "messages.kind_session_cancelled",
        "Pass inställt",
        "Session cancelled",
    ),
    ("outbox.title", "Utkorg", "Outbox"),
    ("outbox.kind", "Typ", "Kind"),
    ("outbox.to", "Till", "To"),
    ("outbox.subject", "Ämne", "Subject"),
    ("outbox.created", "Skapat", "Created"),
    ("outbox.attempts", "Försök", "Attempts"),
    (
        "outbox.search",
        "Mottagare eller ämne",
        "Recipient or subject",
    ),
    (
        "outbox.smtp_on",
        "E-post är inställd (ONCOTRACK_SMTP_URL): meddelanden skickas av påminnelsejobbet.",
        "E-mail is set up (ONCOTRACK_SMTP_URL): the reminder job sends messages.",
    ),
    (
        "outbox.smtp_off",
        "E-post är inte inställd: meddelanden visas bara här och under Meddelanden. Ange ONCOTRACK_SMTP_URL och ONCOTRACK_MAIL_FROM för att skicka dem.",
        "E-mail is not set up: messages are shown only here and under Messages. Set ONCOTRACK_SMTP_URL and ONCOTRACK_MAIL_FROM to send them.",
    ),
    (
        "reminder.warning_subject",
        "{licence} går ut {date}",
        "{licence} expires on {date}",
    ),
    (
        "reminder.warning_body",
        "Hej {name}!\n\nDitt {licence} ({code}) gäller till och med {date}. Förnya det i tid: anmäl dig till ett kurstillfälle som förnyar körkortet, eller tala med din chef.",
        "Hello {name},\n\nYour {licence} ({code}) is valid until {date}. Renew it in time: enrol in a course offering that renews the licence, or talk to your manager.",
    ),
    (
        "reminder.expired_subject",
        "{licence} har gått ut",
        "{licence} has expired",
    ),
    (
        "reminder.expired_body",
        "Hej {name}!\n\nDitt {licence} ({code}) gällde till och med {date} och har gått ut. Tills det är förnyat räknas du inte som behörig. Anmäl dig till ett kurstillfälle som förnyar körkortet, eller tala med din chef.",
        "Hello {name},\n\nYour {licence} ({code}) was valid until {date} and has expired. Until it is renewed you do not count as qualified. Enrol in a course offering that renews the licence, or talk to your manager.",
    ),
    (
        "reminder.see_licences",
        "Dina körkort: {url}",
        "Your licences: {url}",
    ),
    (
        "reminder.see_licences_app",
        "Du ser dina körkort under Mina körkort i oncotrack.",
        "You find your licences under My licences in oncotrack.",
    ),
    (
        "reminder.digest_subject",
        "Körkort som går ut eller har gått ut, vecka {week}",
        "Licences expiring or expired, week {week}",
    ),
    (
        "reminder.digest_body",
        "Hej {name}!\n\nPer {date} har personerna nedan i dina enheter ett körkort som snart går ut eller redan har gått ut ({count} st).",
        "Hello {name},\n\nAs of {date}, the people below in your units hold a licence that expires soon or has already expired ({count} in all).",
    ),
    (
        "reminder.digest_more",
        "… och {count} till. Se hela listan under Efterlevnad.",
        "… and {count} more. See the full list under Compliance.",
    ),
    (
        "reminder.footer",
        "Skickat automatiskt av oncotrack",
        "Sent automatically by oncotrack",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_holds_both_languages_and_splits_a_checkers_pair() {
        let line = 3;
        let t = crate::text!("rad {line}: saknas", "line {line}: missing");
        assert_eq!(t.get(Lang::Sv), "rad 3: saknas");
        assert_eq!(t.get(Lang::En), "line 3: missing");
        let refusal = Text::from_pair("the session has started / passet har börjat");
        assert_eq!(refusal.get(Lang::Sv), "passet har börjat");
        assert_eq!(refusal.get(Lang::En), "the session has started");
        for whole in ["a / b / c", "no halves", " / bara svenska"] {
            let t = Text::from_pair(whole);
            assert_eq!((t.get(Lang::Sv), t.get(Lang::En)), (whole, whole));
        }
        let pair = Text::from_pair("required / obligatoriskt");
        assert_eq!(
            (pair.sv.as_str(), pair.en.as_str()),
            ("obligatoriskt", "required")
        );
        let joined = Text::join(&[t, pair], ", ");
        assert_eq!(joined.get(Lang::Sv), "rad 3: saknas, obligatoriskt");
        assert_eq!(joined.get(Lang::En), "line 3: missing, required");
    }

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut seen = std::collections::HashSet::new();
        for (key, sv, en) in entries() {
            assert!(seen.insert(key), "duplicate key {key}");
            assert!(!sv.is_empty() && !en.is_empty(), "empty text for {key}");
        }
    }

    #[test]
    fn accept_language_honours_quality() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("de, en;q=0.5, sv;q=0.8"),
            Some(Lang::Sv)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
        assert_eq!(Lang::from_accept_language("sv;q=0"), None);
    }

    #[test]
    fn missing_key_shows_itself() {
        assert_eq!(Lang::En.t("no.such.key"), "no.such.key");
        assert_eq!(Lang::Sv.t("nav.people"), "Personal");
    }
}
