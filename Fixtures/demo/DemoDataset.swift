// The demo dataset's files, built into the `celltrace` binary (SwiftPM `embedInCode` resources), so
// that `celltrace demo` works from an installed binary without the repository. The files themselves
// are the source of truth; `DemoDatasetTests` checks that this list names every one of them.

/// The files of the mine-to-pack demo dataset (`Fixtures/demo`): master data, the emission-factor
/// table, the expected figures and one EPCIS 2.0 document per actor.
public enum DemoDataset {
    /// Every file by its path relative to `Fixtures/demo`, with its bytes.
    public static let files: [String: [UInt8]] = [
        "network.json": PackageResources.network_json,
        "factors.json": PackageResources.factors_json,
        "expected.json": PackageResources.expected_json,
        "epcis/pilbara-spodumene.jsonld": PackageResources.pilbara_spodumene_jsonld,
        "epcis/atacama-brine.jsonld": PackageResources.atacama_brine_jsonld,
        "epcis/morowali-nickel.jsonld": PackageResources.morowali_nickel_jsonld,
        "epcis/katanga-copper-cobalt.jsonld": PackageResources.katanga_copper_cobalt_jsonld,
        "epcis/kolwezi-artisanal.jsonld": PackageResources.kolwezi_artisanal_jsonld,
        "epcis/heilongjiang-graphite.jsonld": PackageResources.heilongjiang_graphite_jsonld,
        "epcis/sichuan-lithium.jsonld": PackageResources.sichuan_lithium_jsonld,
        "epcis/zhejiang-cobalt.jsonld": PackageResources.zhejiang_cobalt_jsonld,
        "epcis/inner-mongolia-graphite.jsonld": PackageResources.inner_mongolia_graphite_jsonld,
        "epcis/hunan-cathode.jsonld": PackageResources.hunan_cathode_jsonld,
        "epcis/jiangsu-electrolyte.jsonld": PackageResources.jiangsu_electrolyte_jsonld,
        "epcis/changzhou-cells.jsonld": PackageResources.changzhou_cells_jsonld,
        "epcis/debrecen-cells.jsonld": PackageResources.debrecen_cells_jsonld,
        "epcis/debrecen-cells-correction.jsonld": PackageResources.debrecen_cells_correction_jsonld,
    ]
}
