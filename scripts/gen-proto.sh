#!/usr/bin/env bash
# Regenerates Sources/MeshXDSProto/*.pb.swift and *.grpc.swift from our own minimal xDS protos
# (Sources/MeshXDSProto/protos; docs/xds.md, ../shared/docs/xds-subset.md §8). The generated code
# is committed: the build never runs protoc or the SwiftPM protobuf plugin (which builds protoc
# from C++ source, ~10 min on 2 cores). Run this after editing a .proto and commit the result.
#
# The two protoc plugins are built from the package mirror into /tmp once (~3 min) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

swift_protobuf_version=1.39.0
grpc_swift_protobuf_version=2.4.1
tools=${MESHBOX_PROTOC_PLUGINS:-/tmp/meshbox-protoc-plugins}
out=Sources/MeshXDSProto
protos=$out/protos

if ! command -v protoc >/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -qq protobuf-compiler
fi

# Clones through git's URL rewriting to the local mirror where one is configured.
build_plugin() { # repository, tag, product
    local dir="$tools/$(basename "$1" .git)-$2"
    if [ ! -x "$dir/.build/debug/$3" ]; then
        rm -rf "$dir"
        git clone --quiet --depth 1 --branch "$2" "$1" "$dir"
        (cd "$dir" && swift build --product "$3" >/dev/null)
    fi
    echo "$dir/.build/debug/$3"
}
mkdir -p "$tools"
protoc_gen_swift=$(build_plugin https://github.com/apple/swift-protobuf.git "$swift_protobuf_version" protoc-gen-swift)
protoc_gen_grpc=$(build_plugin https://github.com/grpc/grpc-swift-protobuf.git "$grpc_swift_protobuf_version" protoc-gen-grpc-swift-2)
[ "${1:-}" = "--plugins-only" ] && exit 0

rm -f "$out"/*.pb.swift "$out"/*.grpc.swift
mapfile -t files < <(cd "$protos" && find . -name '*.proto' | sed 's|^\./||' | LC_ALL=C sort)
protoc -I "$protos" -I /usr/include \
    --plugin=protoc-gen-swift="$protoc_gen_swift" \
    --swift_out="$out" --swift_opt=Visibility=Public,FileNaming=PathToUnderscores,UseAccessLevelOnImports=true \
    "${files[@]}"
protoc -I "$protos" -I /usr/include \
    --plugin=protoc-gen-grpc-swift-2="$protoc_gen_grpc" \
    --grpc-swift-2_out="$out" \
    --grpc-swift-2_opt=Visibility=Public,Server=true,Client=true,FileNaming=PathToUnderscores,UseAccessLevelOnImports=true \
    envoy/service/discovery/v3/ads.proto meshbox/v1/node.proto
echo "generated: $(ls "$out"/*.swift | wc -l) files, $(cat "$out"/*.swift | wc -l) lines"
