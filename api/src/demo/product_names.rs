//! The words of the demo catalogue: what a Czech wholesaler of tools, fasteners, electrical and
//! sanitary goods, paint and printed matter sells, in which unit, at what rate of VAT and at
//! roughly what price.

/// A product line of the catalogue: products are one of its variants, optionally of a brand.
pub(crate) struct Template {
    /// The product's name without variant and brand.
    pub name: &'static str,
    /// Sizes, colours, powers: one is appended to the name.
    pub variants: &'static [&'static str],
    /// The unit of measure (`pcs`, `box`, `kg`, `m`, `l`).
    pub unit: &'static str,
    /// Net list price range in whole crowns per unit.
    pub price_czk: (u32, u32),
}

/// A department of the catalogue.
pub(crate) struct Category {
    /// SKU prefix (Czech abbreviation of the department).
    pub prefix: &'static str,
    /// `standard`, `reduced` or `zero`.
    pub vat_class: &'static str,
    /// Relative share of the catalogue (out of 100).
    pub weight: u32,
    /// Brands to name, or none for unbranded goods.
    pub brands: &'static [&'static str],
    /// The product lines.
    pub templates: &'static [Template],
}

const fn t(
    name: &'static str,
    variants: &'static [&'static str],
    unit: &'static str,
    price_czk: (u32, u32),
) -> Template {
    Template {
        name,
        variants,
        unit,
        price_czk,
    }
}

/// The departments, one product line per row (left unformatted so that each reads as a row).
/// Books are zero-rated in the Czech Republic since 2024 while periodicals and other printed
/// matter keep the reduced rate, so the catalogue has all three VAT classes.
#[rustfmt::skip]
pub(crate) const CATEGORIES: &[Category] = &[
    Category {
        prefix: "NAR",
        vat_class: "standard",
        weight: 24,
        brands: &["Narex", "Makita", "Bosch", "Festa", "Extol", "Stanley", "Knipex", "DeWalt"],
        templates: &[
            t("Aku vrtačka", &["12 V", "18 V", "18 V bezuhlíková", "20 V"], "pcs", (1490, 8990)),
            t("Příklepová vrtačka", &["650 W", "750 W", "1 100 W"], "pcs", (990, 4990)),
            t("Úhlová bruska", &["115 mm", "125 mm", "230 mm"], "pcs", (890, 5990)),
            t("Kladivo zámečnické", &["300 g", "500 g", "800 g", "1 000 g"], "pcs", (129, 490)),
            t("Šroubovák plochý", &["3 mm", "5,5 mm", "8 mm"], "pcs", (39, 199)),
            t("Šroubovák křížový", &["PH1", "PH2", "PH3"], "pcs", (39, 199)),
            t("Kleště kombinované", &["160 mm", "180 mm", "200 mm"], "pcs", (149, 690)),
            t("Vodováha hliníková", &["400 mm", "600 mm", "1 000 mm", "2 000 mm"], "pcs", (199, 1290)),
            t("Svinovací metr", &["3 m", "5 m", "8 m"], "pcs", (79, 390)),
            t("Sada bitů", &["10 ks", "32 ks", "100 ks"], "pcs", (149, 1290)),
            t("Vrták do betonu SDS-plus", &["6 mm", "8 mm", "10 mm", "12 mm"], "pcs", (49, 390)),
            t("Sada klíčů očkoplochých", &["8–19 mm", "6–22 mm"], "pcs", (390, 1890)),
        ],
    },
    Category {
        prefix: "SPO",
        vat_class: "standard",
        weight: 24,
        brands: &[],
        templates: &[
            t("Vrut do dřeva zápustný, 200 ks", &["3×30 mm", "3,5×35 mm", "4×40 mm", "4×50 mm", "5×60 mm", "6×80 mm"], "box", (89, 590)),
            t("Šroub šestihranný DIN 933 pozink, 100 ks", &["M6×20", "M8×30", "M10×40", "M12×50"], "box", (99, 890)),
            t("Matice šestihranná DIN 934, 200 ks", &["M6", "M8", "M10", "M12"], "box", (79, 490)),
            t("Podložka plochá DIN 125, 500 ks", &["6,4 mm", "8,4 mm", "10,5 mm", "13 mm"], "box", (69, 390)),
            t("Hmoždinka nylonová, 100 ks", &["6×30 mm", "8×40 mm", "10×50 mm"], "box", (59, 290)),
            t("Vrut do sádrokartonu, 1 000 ks", &["3,5×25 mm", "3,5×35 mm", "3,5×45 mm"], "box", (149, 490)),
            t("Hřebík stavební", &["60 mm", "80 mm", "100 mm", "120 mm"], "kg", (59, 119)),
            t("Kotva chemická", &["300 ml", "410 ml"], "pcs", (190, 590)),
            t("Závitová tyč DIN 975, 1 m", &["M8", "M10", "M12", "M16"], "pcs", (39, 190)),
        ],
    },
    Category {
        prefix: "ELE",
        vat_class: "standard",
        weight: 20,
        brands: &["ABB", "Schneider", "Eaton", "OEZ", "Legrand", "Wago", "Hager"],
        templates: &[
            t("Kabel CYKY-J", &["3×1,5", "3×2,5", "5×1,5", "5×2,5", "5×4"], "m", (19, 89)),
            t("Vodič CY", &["1,5 mm² zelenožlutý", "2,5 mm² modrý", "4 mm² černý"], "m", (6, 25)),
            t("Zásuvka jednonásobná", &["bílá", "slonová kost", "antracit"], "pcs", (59, 290)),
            t("Vypínač řazení 1", &["bílý", "slonová kost", "antracit"], "pcs", (59, 290)),
            t("Jistič", &["B10 1P", "B16 1P", "C16 3P", "B25 3P"], "pcs", (99, 690)),
            t("Proudový chránič", &["25 A 30 mA 2P", "40 A 30 mA 4P"], "pcs", (690, 1990)),
            t("LED žárovka E27", &["9 W teplá bílá", "12 W neutrální", "15 W studená bílá"], "pcs", (49, 199)),
            t("Elektroinstalační trubka ohebná", &["16 mm", "20 mm", "25 mm"], "m", (7, 29)),
            t("Svorka bezšroubová, 100 ks", &["2×2,5", "3×2,5", "5×2,5"], "box", (290, 990)),
        ],
    },
    Category {
        prefix: "SAN",
        vat_class: "standard",
        weight: 12,
        brands: &["Grohe", "Hansgrohe", "Jika", "Novaservis", "Ravak", "Alcadrain"],
        templates: &[
            t("Baterie umyvadlová stojánková", &["chrom", "černá matná"], "pcs", (890, 3990)),
            t("Baterie sprchová nástěnná", &["chrom", "černá matná"], "pcs", (990, 4490)),
            t("WC kombi", &["odpad vodorovný", "odpad svislý"], "pcs", (2490, 7990)),
            t("Umyvadlo keramické", &["50 cm", "55 cm", "60 cm"], "pcs", (690, 2990)),
            t("Sifon umyvadlový", &["DN 32", "DN 40"], "pcs", (99, 490)),
            t("Trubka PPR PN20", &["20 mm", "25 mm", "32 mm"], "m", (29, 119)),
            t("Koleno PPR 90°", &["20 mm", "25 mm", "32 mm"], "pcs", (9, 49)),
            t("Kanalizační trubka HT, 1 m", &["DN 40", "DN 50", "DN 110"], "pcs", (59, 249)),
            t("Flexi hadice", &["3/8\" 30 cm", "1/2\" 50 cm"], "pcs", (59, 190)),
        ],
    },
    Category {
        prefix: "BAR",
        vat_class: "standard",
        weight: 12,
        brands: &["Primalex", "Het", "Balakryl", "Colorlak", "Den Braven", "Ceresit"],
        templates: &[
            t("Interiérová barva", &["bílá", "slonová kost", "světle šedá"], "l", (49, 190)),
            t("Fasádní barva silikonová", &["bílá", "pískově béžová"], "l", (149, 390)),
            t("Základní barva na kov", &["šedá", "červenohnědá"], "l", (149, 349)),
            t("Email syntetický", &["bílý lesk", "černý mat", "RAL 7016"], "l", (190, 490)),
            t("Lazura na dřevo", &["ořech", "teak", "palisandr", "bezbarvá"], "l", (190, 590)),
            t("Penetrace hloubková", &["koncentrát", "ředěná"], "l", (49, 149)),
            t("Sádrová stěrka", &["jemná", "hrubá"], "kg", (19, 59)),
            t("Štětec plochý", &["25 mm", "50 mm", "75 mm"], "pcs", (29, 149)),
            t("Malířský váleček", &["18 cm", "25 cm"], "pcs", (59, 249)),
        ],
    },
    Category {
        prefix: "TIS",
        vat_class: "reduced",
        weight: 5,
        brands: &[],
        templates: &[
            t("Časopis Stavebnictví", &["1/2027", "2/2027", "3/2027", "4/2027"], "pcs", (89, 149)),
            t("Automapa ČR", &["1:200 000", "1:500 000"], "pcs", (149, 399)),
            t("Stavební deník", &["A4, 50 listů", "A4, 100 listů"], "pcs", (59, 149)),
            t("Katalog technických norem", &["2027", "dodatek 2027"], "pcs", (190, 590)),
        ],
    },
    Category {
        prefix: "KNI",
        vat_class: "zero",
        weight: 3,
        brands: &[],
        templates: &[
            t("Kniha Elektroinstalace v praxi", &["2. vydání", "3. vydání"], "pcs", (290, 690)),
            t("Kniha Příručka instalatéra", &["brožovaná", "vázaná"], "pcs", (290, 590)),
            t("Kniha Zahradní stavby", &["brožovaná", "vázaná"], "pcs", (249, 549)),
            t("Kniha Malujeme a tapetujeme", &["brožovaná"], "pcs", (199, 399)),
        ],
    },
];
