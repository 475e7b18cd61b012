#!/usr/bin/env bash
# Builds meshbox_<version>_amd64.deb with dpkg-deb (no debhelper, no network) into .build-deb/:
# the binary (stripped) as /usr/bin/meshbox, /etc/meshbox/meshbox.yaml (a conffile), the systemd
# unit and the proxy role's drop-in, a man page and bash/zsh/fish completions generated from the
# binary's own argument parser, copyright and changelog, maintainer scripts that make the
# `meshbox` system user. docs/packaging.md describes the package.
#
#   scripts/build-deb.sh                  release build (scripts/build-release.sh), then the package
#   scripts/build-deb.sh --binary PATH    package this binary instead (the tests: the debug build)
#   --out DIR                             where the .deb goes (default .build-deb)
#   --lintian                             then run lintian on it (fails on any error or warning)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

binary="" out=".build-deb" lint=no
while (($#)); do
    case $1 in
        --binary) binary=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --lintian) lint=yes; shift ;;
        *) echo "usage: $0 [--binary PATH] [--out DIR] [--lintian]" >&2; exit 2 ;;
    esac
done
if [ -z "$binary" ]; then
    bash scripts/build-release.sh
    binary=.build-release/release/meshbox
fi
[ -x "$binary" ] || { echo "no executable meshbox at $binary" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")

# The version is the binary's own (`meshbox version`, first line "meshbox X.Y.Z"); the changelog's
# newest entry must be that version: a release gets a changelog entry.
version=$("$binary" version | sed -n '1s/^meshbox //p')
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([~+.a-z0-9]*)?$ ]] || { echo "cannot read a version from $binary version: '$version'" >&2; exit 1; }
changelog_version=$(sed -n '1s/^meshbox (\([^)]*\)).*/\1/p' packaging/debian/changelog)
if [ "$changelog_version" != "$version" ]; then
    echo "packaging/debian/changelog's newest entry is $changelog_version, the binary is $version: add an entry" >&2
    exit 1
fi
# Dates in the package (man page, gzip headers are off with -n) come from the changelog entry,
# so the same inputs give the same package.
changelog_date=$(sed -n 's/^ -- .*>  //p' packaging/debian/changelog | head -1)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date -d "$changelog_date" +%s)}

stage="$out/root"
rm -rf "$stage"
install -d -m 0755 "$stage/DEBIAN" "$stage/usr/bin" "$stage/etc/meshbox" "$stage/lib/systemd/system" \
    "$stage/usr/share/meshbox/systemd" "$stage/usr/share/man/man1" "$stage/usr/share/doc/meshbox" \
    "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
    "$stage/usr/share/fish/vendor_completions.d"

# Debug info goes (86 MB instead of 190 MB for the release build); symbols needed at run time stay.
strip --remove-section=.comment --remove-section=.note --strip-unneeded -o "$stage/usr/bin/meshbox" "$binary"
chmod 0755 "$stage/usr/bin/meshbox"

# The sample config, but without a fixed node name: each host defaults to its host name.
sed 's/^nodeName: /# nodeName: /' etc/meshbox.yaml >"$stage/etc/meshbox/meshbox.yaml"
grep -q '^# nodeName: ' "$stage/etc/meshbox/meshbox.yaml" || { echo "etc/meshbox.yaml has no nodeName line to comment out" >&2; exit 1; }
chmod 0644 "$stage/etc/meshbox/meshbox.yaml"
install -m 0644 packaging/meshbox.service "$stage/lib/systemd/system/meshbox.service"
install -m 0644 packaging/meshbox.service.d/proxy.conf "$stage/usr/share/meshbox/systemd/proxy.conf"

# Completions from the binary's argument parser (swift-argument-parser).
# (bash-completion sources the file: no #! line.)
"$binary" --generate-completion-script bash | sed '1{/^#!/d}' >"$stage/usr/share/bash-completion/completions/meshbox"
"$binary" --generate-completion-script zsh >"$stage/usr/share/zsh/vendor-completions/_meshbox"
"$binary" --generate-completion-script fish >"$stage/usr/share/fish/vendor_completions.d/meshbox.fish"
chmod 0644 "$stage"/usr/share/bash-completion/completions/* "$stage"/usr/share/zsh/vendor-completions/* "$stage"/usr/share/fish/vendor_completions.d/*

# The man page from swift-argument-parser's generate-manual tool, compiled once from the checkout
# SwiftPM already resolved (its `generate-manual` plugin would first build the whole package in
# release mode into .build, ~10 minutes; the tool alone takes ~30 s and needs no network).
parser=""
for candidate in .build/checkouts/swift-argument-parser .build-release/checkouts/swift-argument-parser; do
    [ -f "$candidate/Tools/generate-manual/GenerateManual.swift" ] && { parser=$candidate; break; }
done
[ -n "$parser" ] || { echo "no swift-argument-parser checkout: run swift build (or scripts/build-release.sh) first" >&2; exit 1; }
tools="$root/.build-deb/tools/generate-manual-$(git -C "$parser" rev-parse HEAD 2>/dev/null || echo unknown)"
if [ ! -x "$tools/generate-manual" ]; then
    rm -rf "$tools"; mkdir -p "$tools"
    (
        cd "$tools"
        find "$root/$parser/Sources/ArgumentParserToolInfo" -name '*.swift' | sed 's/.*/"&"/' >toolinfo.list
        find "$root/$parser/Sources/ArgumentParser" -name '*.swift' | sed 's/.*/"&"/' >parser.list
        find "$root/$parser/Tools/generate-manual" -name '*.swift' | sed 's/.*/"&"/' >tool.list
        swiftc -Onone -parse-as-library -suppress-warnings -module-name ArgumentParserToolInfo -emit-module -emit-library -static @toolinfo.list -o libArgumentParserToolInfo.a
        swiftc -Onone -parse-as-library -suppress-warnings -module-name ArgumentParser -I . -emit-module -emit-library -static @parser.list -o libArgumentParser.a
        swiftc -Onone -parse-as-library -suppress-warnings -module-name generate_manual -I . -L . -lArgumentParser -lArgumentParserToolInfo @tool.list -o generate-manual.tmp
        mv generate-manual.tmp generate-manual
    )
fi
manual=$(mktemp -d)
trap 'rm -rf "$manual"' EXIT
"$tools/generate-manual" "$binary" --output-directory "$manual" --section 1 \
    --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" --authors "meshbox maintainers"
gzip -9n <"$manual/meshbox.1" >"$stage/usr/share/man/man1/meshbox.1.gz"

install -m 0644 packaging/debian/copyright "$stage/usr/share/doc/meshbox/copyright"
install -d -m 0755 "$stage/usr/share/lintian/overrides"
install -m 0644 packaging/debian/lintian-overrides "$stage/usr/share/lintian/overrides/meshbox"
gzip -9n <packaging/debian/changelog >"$stage/usr/share/doc/meshbox/changelog.gz"
chmod 0644 "$stage/usr/share/man/man1/meshbox.1.gz" "$stage/usr/share/doc/meshbox/changelog.gz"

for script in preinst postinst prerm postrm; do
    install -m 0755 "packaging/debian/$script" "$stage/DEBIAN/$script"
done
echo /etc/meshbox/meshbox.yaml >"$stage/DEBIAN/conffiles"
chmod 0644 "$stage/DEBIAN/conffiles"

# Depends from the libraries the binary loads (dpkg-shlibdeps reads Debian's shlibs/symbols files).
# The debug build also loads the toolchain's libswift*.so, which no package provides: those are
# skipped (--ignore-missing-info) and the package is only good for the tests.
shlibs=$(mktemp -d)
mkdir -p "$shlibs/debian"
printf 'Source: meshbox\n\nPackage: meshbox\nArchitecture: amd64\n' >"$shlibs/debian/control"
depends=$(cd "$shlibs" && dpkg-shlibdeps -O --ignore-missing-info -e "$stage/usr/bin/meshbox" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shlibs"
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies for $binary" >&2; exit 1; }
# Packed relative relocations (build-release.sh) need glibc 2.36's loader, which the symbols
# files do not know about.
if readelf -V "$stage/usr/bin/meshbox" | grep -q GLIBC_ABI_DT_RELR; then
    depends=$(sed -E 's/libc6 \(>= [0-9.]+\)/libc6 (>= 2.36)/' <<<"$depends")
fi
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s/@DEPENDS@/$depends/" \
    packaging/debian/control.in >"$stage/DEBIAN/control"

(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"
find "$stage" -type d -exec chmod 0755 {} +

# xz, dpkg-deb's default ($DPKG_DEB_COMPRESSOR_TYPE/_LEVEL choose another: the tests use gzip -1).
deb="$out/meshbox_${version}_amd64.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null
echo "built $deb"

if [ "$lint" = yes ]; then
    # Errors and warnings fail; the overrides the package ships say why each is there.
    lintian --fail-on error,warning "$deb"
fi
