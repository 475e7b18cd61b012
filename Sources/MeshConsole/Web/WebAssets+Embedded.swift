/// The console's files as SwiftPM embedded them (`resources: [.embedInCode("web")]` in
/// Package.swift), by their path under `web/`.
///
/// SwiftPM names each file's constant after its base name only (`js/page-config.js` becomes
/// `page_config_js`), so base names under `web/` must be unique. A new file needs a line here;
/// `WebAssetsTests` fails when this table and the directory disagree.
extension WebAssets {
    static let embeddedFiles: [String: [UInt8]] = [
        "app.css": PackageResources.app_css,
        "favicon.svg": PackageResources.favicon_svg,
        "index.html": PackageResources.index_html,
        "js/api.js": PackageResources.api_js,
        "js/attention.js": PackageResources.attention_js,
        "js/capture.js": PackageResources.capture_js,
        "js/chart.js": PackageResources.chart_js,
        "js/dom.js": PackageResources.dom_js,
        "js/editor.js": PackageResources.editor_js,
        "js/format.js": PackageResources.format_js,
        "js/line-diff.js": PackageResources.line_diff_js,
        "js/live.js": PackageResources.live_js,
        "js/live-model.js": PackageResources.live_model_js,
        "js/main.js": PackageResources.main_js,
        "js/page-certificates.js": PackageResources.page_certificates_js,
        "js/page-config.js": PackageResources.page_config_js,
        "js/page-editor.js": PackageResources.page_editor_js,
        "js/page-explain.js": PackageResources.page_explain_js,
        "js/page-live.js": PackageResources.page_live_js,
        "js/page-nodes.js": PackageResources.page_nodes_js,
        "js/page-overview.js": PackageResources.page_overview_js,
        "js/page-resource.js": PackageResources.page_resource_js,
        "js/page-services.js": PackageResources.page_services_js,
        "js/page-traffic.js": PackageResources.page_traffic_js,
        "js/services-model.js": PackageResources.services_model_js,
        "js/timeline.js": PackageResources.timeline_js,
        "js/traffic-diagram.js": PackageResources.traffic_diagram_js,
        "js/yaml-path.js": PackageResources.yaml_path_js,
    ]
}
