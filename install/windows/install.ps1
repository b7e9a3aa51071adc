# Install levxl for Excel on Windows: levxl into this Python, the xlwings add-in, and UDF Modules = levxl.udfs.
$ErrorActionPreference = "Stop"
$repo = Resolve-Path (Join-Path $PSScriptRoot "..\..")
$python = (Get-Command python -ErrorAction Stop).Source
Write-Host "Using $python"
& $python -m pip install --upgrade pip
& $python -m pip install "$repo"
& $python -m xlwings addin install
$confDir = Join-Path $env:USERPROFILE ".xlwings"
New-Item -ItemType Directory -Force -Path $confDir | Out-Null
$conf = Join-Path $confDir "xlwings.conf"
# Same format xlwings' own "config create" writes: "KEY","value" per line, paths unescaped. ASCII, because a
# UTF-8 byte-order mark would become part of the first key when the add-in's VBA reads the file.
$lines = @()
if (Test-Path $conf) {
    $lines = Get-Content $conf | Where-Object { $_ -notmatch '^"(UDF MODULES|INTERPRETER_WIN)"' }
}
$lines += '"UDF MODULES","levxl.udfs"'
$lines += ('"INTERPRETER_WIN","' + $python + '"')
$lines | Set-Content -Encoding ASCII $conf
Write-Host "Done. In Excel: xlwings tab -> Import Functions."
