# Installs what the scripts need and a fresh Debian machine lacks. Sourced, not run.

ensure_packages() {
    local missing=()
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
    # coturn: the TURN relay calls fall back on (and turnutils_uclient, which tests it).
    command -v turnserver >/dev/null 2>&1 || missing+=(coturn)
    [ -e /usr/include/hiredis/hiredis.h ] || missing+=(libhiredis-dev)
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    command -v jq >/dev/null 2>&1 || missing+=(jq)
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
    # The page's state is unit-tested with Node's own runner (node --test: Node 18 or newer).
    command -v node >/dev/null 2>&1 || missing+=(nodejs)
    # Headless Chromium and its driver, for the tests that load the JS client in a browser.
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
    # KaTeX, which the page renders math with (vendored into Web/vendor by ensure_web_vendor).
    [ -e /usr/share/javascript/katex/katex.mjs ] || missing+=(libjs-katex)
    # Emoji drawn as emoji (reactions) in the browser tests' screenshots.
    [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing ${missing[*]} (apt-get)..."
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    if ! command -v swift >/dev/null 2>&1; then
        if [ -x /opt/swift/usr/bin/swift ]; then
            export PATH="/opt/swift/usr/bin:$PATH"
        else
            echo "Swift 6.2 or newer is needed on PATH (https://www.swift.org/install/)." >&2
            return 1
        fi
    fi
}

# The Python environment of the end-to-end and interop tests, in .state/venv.
ensure_python_env() {
    local venv=.state/venv
    local stamp="$venv/.requirements"
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
    fi
    if ! cmp -s Tests/e2e/requirements.txt "$stamp"; then
        echo "Installing the test's Python packages (pip)..."
        "$venv/bin/pip" install -q --disable-pip-version-check -r Tests/e2e/requirements.txt
        cp Tests/e2e/requirements.txt "$stamp"
    fi
}

# The local mail sink `./scripts/run` starts (scripts/mail_sink.py): PyPI's aiosmtpd, in a
# small environment of its own (the tests' one has it too).
ensure_mail_sink() {
    local venv=.state/mail-venv
    [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import aiosmtpd" 2>/dev/null && return 0
    echo "Installing the local mail sink (pip: aiosmtpd)..."
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "$(grep '^aiosmtpd==' Tests/e2e/requirements.txt)"
}

# The socket.io-client bundle the gateway serves at /socket.io/socket.io.min.js: the real
# 4.8.1 build (MIT), which ships in PyPI's nicegui wheel (the npm registry is out of reach).
# Fetched once into .state/client, never committed; fails when PyPI cannot be reached.
ensure_client_bundle() {
    local bundle=.state/client/socket.io.min.js
    [ -s "$bundle" ] && return 0
    echo "Fetching the socket.io-client 4.8.1 bundle (PyPI's nicegui wheel)..."
    local venv=.state/venv
    [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
    local download
    download=$(mktemp -d)
    mkdir -p .state/client
    "$venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$download" "nicegui==3.18.0" \
        && python3 - "$download" "$bundle" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/nicegui-*.whl")[0]
data = zipfile.ZipFile(wheel).read("nicegui/static/socket.io.min.js")
if b"Socket.IO v4.8.1" not in data[:200]:
    sys.exit("nicegui's socket.io.min.js is not socket.io-client 4.8.1")
with open(sys.argv[2] + ".part", "wb") as out:
    out.write(data)
PY
    local status=$?
    rm -rf "$download"
    [ "$status" -eq 0 ] && mv "$bundle.part" "$bundle"
    return "$status"
}

# The page's libraries, from Debian's packages into Web/vendor (never committed; the
# gateway serves what is there): KaTeX's module, its stylesheet and its fonts (woff2, which
# every browser the page supports reads first). The page shows math as its TeX source
# without them.
ensure_web_vendor() {
    local source=/usr/share/javascript/katex target=Web/vendor/katex
    [ -e "$source/katex.mjs" ] || return 0
    if [ ! -e "$target/katex.mjs" ] || [ "$source/katex.mjs" -nt "$target/katex.mjs" ]; then
        rm -rf "$target" && mkdir -p "$target/fonts"
        cp "$source/katex.mjs" "$source/katex.min.css" "$target/"
        cp "$source"/fonts/*.woff2 "$target/fonts/"
        cp /usr/share/doc/libjs-katex/copyright "$target/COPYRIGHT" 2>/dev/null || true
    fi
}
