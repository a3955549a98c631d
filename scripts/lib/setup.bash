# Shared by scripts/run and scripts/test (sourced, not run): uv, the Python dependencies and the
# frontend build. Callers set -euo pipefail and define fatal().

export PATH="$HOME/.local/bin:$PATH"

install_uv() {
    command -v uv >/dev/null && return 0
    echo "installing uv with pip" >&2
    python3 -m pip install --user --quiet uv 2>/dev/null ||
        python3 -m pip install --user --quiet --break-system-packages uv ||
        fatal "could not install uv: python3 -m pip install --user uv"
    command -v uv >/dev/null || fatal "uv was installed but is not on PATH ($HOME/.local/bin)"
}

sync_python() {
    uv sync --frozen || fatal "uv sync --frozen failed"
}

build_frontend() {
    [[ -f frontend/package.json ]] || return 0
    command -v npm >/dev/null || fatal "npm is missing: install Node 20 (Debian: apt-get install nodejs npm)"
    # npm ci wipes node_modules: skip it while the installed tree matches the lock file, so that
    # a second run (or a dev server running from this checkout) is left alone.
    local stamp=frontend/node_modules/.betool-lock.sha256 want
    want="$(sha256sum frontend/package-lock.json | cut -d' ' -f1)"
    if [[ ! -f $stamp && -d frontend/node_modules ]] && (cd frontend && npm ls --all >/dev/null 2>&1); then
        echo "$want" >"$stamp" # installed by hand and complete: adopt it
    fi
    if [[ "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
        (cd frontend && npm ci --no-audit --no-fund) || fatal "npm ci failed"
        echo "$want" >"$stamp"
    fi
    (cd frontend && npm run build) || fatal "the frontend build failed"
}
