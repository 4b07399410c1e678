//! Regions to realm domains: `us-ashburn-1` is in realm oc1, whose services
//! live under `oraclecloud.com`.
//!
//! The table holds the publicly known regions and realms (as listed in the
//! public OCI SDK sources, `src/oci/regions_definitions.py` of
//! oracle/oci-python-sdk). Regions it does not know are looked up in
//! `~/.oci/regions-config.json` (the SDK's format: a list of
//! `{realmKey, realmDomainComponent, regionKey, regionIdentifier}`), and
//! otherwise assumed to be commercial (oc1), as the SDK does.

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
];

/// Regions outside the commercial realm (every other known region is oc1).
const NON_COMMERCIAL_REGIONS: &[(&str, &str)] = &[
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
    ("us-somerset-1", "oc23"),
    ("us-thames-1", "oc23"),
    ("eu-dcc-zurich-1", "oc24"),
    ("eu-crissier-1", "oc24"),
    ("me-abudhabi-3", "oc26"),
    ("me-abudhabi-2", "oc29"),
    ("me-abudhabi-4", "oc29"),
    ("ap-seoul-2", "oc35"),
    ("ap-suwon-1", "oc35"),
    ("ap-chuncheon-2", "oc35"),
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
pub fn resolve_region(name: &str, regions_config: &Path) -> Result<Region, String> {
    let name = name.trim().to_ascii_lowercase();
    let invalid = |e: oci_iam_sso_domain::InvalidInput| e.to_string();
    if let Some((_, realm)) = NON_COMMERCIAL_REGIONS.iter().find(|(r, _)| *r == name) {
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
    Region::new(&name, COMMERCIAL_DOMAIN).map_err(invalid)
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
            ("brand-new-1", "oraclecloud.com"),
        ] {
            let resolved = resolve_region(region, none).unwrap();
            assert_eq!(resolved.realm_domain(), domain, "{region}");
            assert_eq!(resolved.name(), region);
        }
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
            resolve_region("yy-1", &path)
                .unwrap_err()
                .contains("regions-config.json")
        );
    }
}
