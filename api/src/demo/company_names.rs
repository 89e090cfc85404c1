//! The words of the demo's customers: Czech and Slovak trade names, surnames, towns and streets.

/// A town with its postcode.
pub(crate) struct Town {
    /// Name.
    pub name: &'static str,
    /// Postcode (PSČ), five digits.
    pub zip: &'static str,
}

const fn town(name: &'static str, zip: &'static str) -> Town {
    Town { name, zip }
}

/// Czech towns.
pub(crate) const CZ_TOWNS: &[Town] = &[
    town("Praha", "11000"),
    town("Brno", "60200"),
    town("Ostrava", "70200"),
    town("Plzeň", "30100"),
    town("Liberec", "46001"),
    town("Olomouc", "77900"),
    town("České Budějovice", "37001"),
    town("Hradec Králové", "50002"),
    town("Pardubice", "53002"),
    town("Zlín", "76001"),
    town("Jihlava", "58601"),
    town("Ústí nad Labem", "40001"),
    town("Karlovy Vary", "36001"),
    town("Kolín", "28002"),
    town("Frýdek-Místek", "73801"),
];

/// Slovak towns.
pub(crate) const SK_TOWNS: &[Town] = &[
    town("Bratislava", "81101"),
    town("Košice", "04001"),
    town("Žilina", "01001"),
    town("Nitra", "94901"),
    town("Banská Bystrica", "97401"),
    town("Trnava", "91701"),
    town("Prešov", "08001"),
];

/// Czech streets.
pub(crate) const CZ_STREETS: &[&str] = &[
    "Husova",
    "Masarykova",
    "Nádražní",
    "Palackého",
    "Komenského",
    "Průmyslová",
    "Jiráskova",
    "Smetanova",
    "Tyršova",
    "Vídeňská",
    "Zámecká",
    "Skladová",
];

/// Slovak streets.
pub(crate) const SK_STREETS: &[&str] = &[
    "Hlavná",
    "Štúrova",
    "Priemyselná",
    "Bratislavská",
    "Hviezdoslavova",
    "Mlynská",
];

/// Czech surnames as a firm names them (the masculine form).
pub(crate) const CZ_SURNAMES: &[&str] = &[
    "Novák",
    "Svoboda",
    "Novotný",
    "Dvořák",
    "Černý",
    "Procházka",
    "Kučera",
    "Veselý",
    "Horák",
    "Němec",
    "Pokorný",
    "Hájek",
    "Král",
    "Jelínek",
    "Růžička",
    "Beneš",
    "Fiala",
    "Sedláček",
];

/// Slovak surnames.
pub(crate) const SK_SURNAMES: &[&str] = &[
    "Horváth",
    "Kováč",
    "Varga",
    "Tóth",
    "Baláž",
    "Molnár",
    "Lukáč",
    "Kováčik",
    "Hudák",
];

/// Czech trades that put an owner's name after them.
pub(crate) const CZ_TRADES: &[&str] = &[
    "Stavebniny",
    "Železářství",
    "Elektro",
    "Instalatérství",
    "Barvy laky",
    "Kovo",
    "Topenářství",
    "Stavby",
];

/// Slovak trades.
pub(crate) const SK_TRADES: &[&str] = &["Stavebniny", "Železiarstvo", "Elektro", "Inštalatérstvo"];

/// Made-up brand names of larger firms (joint-stock companies, mostly).
pub(crate) const BRANDS: &[&str] = &[
    "STAVMONT",
    "ELMONT",
    "TECHNOSTAV",
    "KOVOMAT",
    "AQUATERM",
    "INSTALTERM",
    "MONTEX",
    "PROFISTAV",
    "DOMOTECH",
    "STAVEKO",
];
