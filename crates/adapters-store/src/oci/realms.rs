//! Regions to realm domains: `us-ashburn-1` is in realm oc1, whose services
//! live under `oraclecloud.com`.
//!
//! The table holds the publicly known regions and realms (as listed in the
//! public OCI SDK sources, `src/oci/regions_definitions.py` of
//! oracle/oci-python-sdk). Regions it does not know are looked up in
//! `~/.oci/regions-config.json` (the SDK's format: a list of
//! `{realmKey, realmDomainComponent, regionKey, regionIdentifier}`); a near
//! miss of a known name is refused with the name meant, and any other
//! unknown name is assumed to be commercial (oc1), as the SDK does.

use std::path::Path;

use oci_iam_sso_domain::oci::Region;

/// Realm key → realm domain.
const REALMS: &[(&str, &str)] = &[
    ("oc1", "oraclecloud.com"),
    ("oc2", "oraclegovcloud.com"),
    ("oc3", "oraclegovcloud.com"),
    ("oc4", "oraclegovcloud.uk"),
    ("oc8", "oraclecloud8.com"),
    ("oc9", "oraclecloud9.com"),
    ("oc10", "oraclecloud10.com"),
    ("oc14", "oraclecloud14.com"),
    ("oc15", "oraclecloud15.com"),
    ("oc19", "oraclecloud.eu"),
    ("oc20", "oraclecloud20.com"),
    ("oc21", "oraclecloud21.com"),
    ("oc23", "oraclecloud23.com"),
    ("oc24", "oraclecloud24.com"),
    ("oc26", "oraclecloud26.com"),
    ("oc29", "oraclecloud29.com"),
    ("oc35", "oraclecloud35.com"),
    ("oc42", "oraclecloud42.com"),
    ("oc51", "oraclecloud51.com"),
    ("oc52", "oraclecloud52.com"),
];

/// Every publicly known region and its realm, as listed in the public OCI
/// SDK sources (`src/oci/regions_definitions.py` of oracle/oci-python-sdk and
/// `lib/region.js` of the OCI TypeScript SDK).
const REGIONS: &[(&str, &str)] = &[
    ("af-casablanca-1", "oc1"),
    ("af-johannesburg-1", "oc1"),
    ("ap-batam-1", "oc1"),
    ("ap-chuncheon-1", "oc1"),
    ("ap-delhi-1", "oc1"),
    ("ap-hyderabad-1", "oc1"),
    ("ap-kulai-2", "oc1"),
    ("ap-melbourne-1", "oc1"),
    ("ap-mumbai-1", "oc1"),
    ("ap-osaka-1", "oc1"),
    ("ap-seoul-1", "oc1"),
    ("ap-singapore-1", "oc1"),
    ("ap-singapore-2", "oc1"),
    ("ap-sydney-1", "oc1"),
    ("ap-tokyo-1", "oc1"),
    ("ca-montreal-1", "oc1"),
    ("ca-toronto-1", "oc1"),
    ("eu-amsterdam-1", "oc1"),
    ("eu-frankfurt-1", "oc1"),
    ("eu-madrid-1", "oc1"),
    ("eu-madrid-3", "oc1"),
    ("eu-marseille-1", "oc1"),
    ("eu-milan-1", "oc1"),
    ("eu-paris-1", "oc1"),
    ("eu-stockholm-1", "oc1"),
    ("eu-turin-1", "oc1"),
    ("eu-zurich-1", "oc1"),
    ("il-jerusalem-1", "oc1"),
    ("me-abudhabi-1", "oc1"),
    ("me-dubai-1", "oc1"),
    ("me-jeddah-1", "oc1"),
    ("me-riyadh-1", "oc1"),
    ("mx-monterrey-1", "oc1"),
    ("mx-queretaro-1", "oc1"),
    ("sa-bogota-1", "oc1"),
    ("sa-santiago-1", "oc1"),
    ("sa-saopaulo-1", "oc1"),
    ("sa-valparaiso-1", "oc1"),
    ("sa-vinhedo-1", "oc1"),
    ("uk-cardiff-1", "oc1"),
    ("uk-london-1", "oc1"),
    ("us-ashburn-1", "oc1"),
    ("us-chicago-1", "oc1"),
    ("us-phoenix-1", "oc1"),
    ("us-saltlake-2", "oc1"),
    ("us-sanjose-1", "oc1"),
    ("us-langley-1", "oc2"),
    ("us-luke-1", "oc2"),
    ("us-gov-ashburn-1", "oc3"),
    ("us-gov-chicago-1", "oc3"),
    ("us-gov-phoenix-1", "oc3"),
    ("uk-gov-london-1", "oc4"),
    ("uk-gov-cardiff-1", "oc4"),
    ("ap-chiyoda-1", "oc8"),
    ("ap-ibaraki-1", "oc8"),
    ("me-dcc-muscat-1", "oc9"),
    ("me-ibri-1", "oc9"),
    ("ap-dcc-canberra-1", "oc10"),
    ("eu-dcc-milan-1", "oc14"),
    ("eu-dcc-milan-2", "oc14"),
    ("eu-dcc-dublin-1", "oc14"),
    ("eu-dcc-dublin-2", "oc14"),
    ("eu-dcc-rating-1", "oc14"),
    ("eu-dcc-rating-2", "oc14"),
    ("ap-dcc-gazipur-1", "oc15"),
    ("eu-madrid-2", "oc19"),
    ("eu-frankfurt-2", "oc19"),
    ("eu-jovanovac-1", "oc20"),
    ("me-dcc-doha-1", "oc21"),
    ("me-alrayyan-1", "oc21"),
    ("us-somerset-1", "oc23"),
    ("us-thames-1", "oc23"),
    ("eu-dcc-zurich-1", "oc24"),
    ("eu-crissier-1", "oc24"),
    ("me-abudhabi-3", "oc26"),
    ("me-alain-1", "oc26"),
    ("me-abudhabi-2", "oc29"),
    ("me-abudhabi-4", "oc29"),
    ("ap-seoul-2", "oc35"),
    ("ap-suwon-1", "oc35"),
    ("ap-chuncheon-2", "oc35"),
    ("us-ashburn-2", "oc42"),
    ("us-newark-1", "oc42"),
    ("eu-budapest-1", "oc51"),
    ("sa-riodejaneiro-1", "oc52"),
];

/// The short names the OCI CLI and SDKs accept for the older regions
/// (`--region iad`), from the same SDK sources.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("yny", "ap-chuncheon-1"),
    ("hyd", "ap-hyderabad-1"),
    ("mel", "ap-melbourne-1"),
    ("bom", "ap-mumbai-1"),
    ("kix", "ap-osaka-1"),
    ("icn", "ap-seoul-1"),
    ("syd", "ap-sydney-1"),
    ("nrt", "ap-tokyo-1"),
    ("yul", "ca-montreal-1"),
    ("yyz", "ca-toronto-1"),
    ("ams", "eu-amsterdam-1"),
    ("fra", "eu-frankfurt-1"),
    ("zrh", "eu-zurich-1"),
    ("jed", "me-jeddah-1"),
    ("dxb", "me-dubai-1"),
    ("gru", "sa-saopaulo-1"),
    ("cwl", "uk-cardiff-1"),
    ("lhr", "uk-london-1"),
    ("iad", "us-ashburn-1"),
    ("phx", "us-phoenix-1"),
    ("sjc", "us-sanjose-1"),
    ("vcp", "sa-vinhedo-1"),
    ("scl", "sa-santiago-1"),
    ("mtz", "il-jerusalem-1"),
    ("mrs", "eu-marseille-1"),
    ("sin", "ap-singapore-1"),
    ("auh", "me-abudhabi-1"),
    ("lin", "eu-milan-1"),
    ("arn", "eu-stockholm-1"),
    ("jnb", "af-johannesburg-1"),
    ("cdg", "eu-paris-1"),
    ("qro", "mx-queretaro-1"),
    ("mad", "eu-madrid-1"),
    ("ord", "us-chicago-1"),
    ("mty", "mx-monterrey-1"),
    ("aga", "us-saltlake-2"),
    ("bog", "sa-bogota-1"),
    ("vap", "sa-valparaiso-1"),
    ("xsp", "ap-singapore-2"),
    ("ruh", "me-riyadh-1"),
];

const COMMERCIAL_DOMAIN: &str = "oraclecloud.com";

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegionEntry {
    // `realmKey` is also in the file; only the domain is needed.
    realm_domain_component: String,
    #[serde(default)]
    region_key: Option<String>,
    region_identifier: String,
}

/// The region with its realm domain. `regions_config` is the path of
/// `regions-config.json`; a missing file is fine, an unreadable one is an error.
///
/// A name this table and the file do not know is refused when it is a
/// near miss of a known one (`us-ashbur-1`: "did you mean us-ashburn-1?") or
/// not shaped like a region name; any other unknown name (a region newer
/// than this build) is taken as commercial (oc1), as the SDKs do.
pub fn resolve_region(name: &str, regions_config: &Path) -> Result<Region, String> {
    let name = name.trim().to_ascii_lowercase();
    let invalid = |e: oci_iam_sso_domain::InvalidInput| e.to_string();
    let name = SHORT_NAMES
        .iter()
        .find(|(short, _)| *short == name)
        .map_or(name.clone(), |(_, full)| (*full).to_owned());
    if let Some((_, realm)) = REGIONS.iter().find(|(r, _)| *r == name) {
        let domain = REALMS
            .iter()
            .find(|(k, _)| k == realm)
            .map_or(COMMERCIAL_DOMAIN, |(_, d)| d);
        return Region::new(&name, domain).map_err(invalid);
    }
    match std::fs::read(regions_config) {
        Ok(bytes) => {
            let entries: Vec<RegionEntry> = serde_json::from_slice(&bytes).map_err(|e| {
                format!("{}: not a list of regions ({e})", regions_config.display())
            })?;
            let found = entries.iter().find(|e| {
                e.region_identifier.eq_ignore_ascii_case(&name)
                    || e.region_key
                        .as_deref()
                        .is_some_and(|k| k.eq_ignore_ascii_case(&name))
            });
            if let Some(entry) = found {
                return Region::new(&entry.region_identifier, &entry.realm_domain_component)
                    .map_err(invalid);
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", regions_config.display())),
    }
    let unknown = |hint: String| {
        format!(
            "`{name}` is not a known OCI region{hint} (a region this build does not know can be added to {})",
            regions_config.display()
        )
    };
    if let Some(near) = nearest_region(&name) {
        return Err(unknown(format!("; did you mean `{near}`?")));
    }
    if !looks_like_region(&name) {
        return Err(unknown(
            " (region names look like `us-ashburn-1`)".to_owned(),
        ));
    }
    Region::new(&name, COMMERCIAL_DOMAIN).map_err(invalid)
}

/// `xx-name-1`, `us-gov-name-1`: letters, then words, then a number.
fn looks_like_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words.first().is_some_and(|w| w.len() == 2)
        && words
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

/// The known region one or two edits away from `name` (a typo), if one is.
fn nearest_region(name: &str) -> Option<&'static str> {
    REGIONS
        .iter()
        .map(|(region, _)| (edit_distance(name, region), *region))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, region)| region)
}

/// Levenshtein distance (names are short ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn known_realms() {
        let none = Path::new("/nonexistent/regions-config.json");
        for (region, domain) in [
            ("us-ashburn-1", "oraclecloud.com"),
            ("us-langley-1", "oraclegovcloud.com"),
            ("us-gov-ashburn-1", "oraclegovcloud.com"),
            ("uk-gov-london-1", "oraclegovcloud.uk"),
            ("ap-chiyoda-1", "oraclecloud8.com"),
            ("me-dcc-muscat-1", "oraclecloud9.com"),
            ("ap-dcc-canberra-1", "oraclecloud10.com"),
            ("eu-dcc-milan-1", "oraclecloud14.com"),
            ("eu-frankfurt-2", "oraclecloud.eu"),
            ("eu-jovanovac-1", "oraclecloud20.com"),
            ("us-newark-1", "oraclecloud42.com"),
            ("xx-brandnew-7", "oraclecloud.com"),
        ] {
            let resolved = resolve_region(region, none).unwrap();
            assert_eq!(resolved.realm_domain(), domain, "{region}");
            assert_eq!(resolved.name(), region);
        }
    }

    #[test]
    fn typos_are_refused_with_the_region_meant_and_short_names_work() {
        let none = Path::new("/nonexistent/regions-config.json");
        let typo = resolve_region("us-ashbur-1", none).unwrap_err();
        assert!(typo.contains("did you mean `us-ashburn-1`?"), "{typo}");
        assert!(typo.contains("regions-config.json"), "{typo}");
        let typo = resolve_region("eu-frankfrut-1", none).unwrap_err();
        assert!(typo.contains("`eu-frankfurt-1`"), "{typo}");
        assert!(
            resolve_region("ashburn", none)
                .unwrap_err()
                .contains("look like")
        );
        assert_eq!(resolve_region("IAD", none).unwrap().name(), "us-ashburn-1");
        assert_eq!(
            resolve_region("fra", none).unwrap().name(),
            "eu-frankfurt-1"
        );
    }

    #[test]
    fn regions_config_json_adds_regions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("regions-config.json");
        std::fs::write(
            &path,
            r#"[{"realmKey":"oc99","realmDomainComponent":"example-cloud.com","regionKey":"xyz","regionIdentifier":"xx-city-1"}]"#,
        )
        .unwrap();
        let region = resolve_region("xx-city-1", &path).unwrap();
        assert_eq!(
            region.auth_url(),
            "https://auth.xx-city-1.example-cloud.com"
        );
        assert_eq!(resolve_region("XYZ", &path).unwrap().name(), "xx-city-1");
        std::fs::write(&path, "{").unwrap();
        assert!(
            resolve_region("yy-city-1", &path)
                .unwrap_err()
                .contains("regions-config.json")
        );
    }
}
