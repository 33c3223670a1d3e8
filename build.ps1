#!/usr/bin/env pwsh
# Bootstraps the repository's build: finds (or installs) a .NET SDK that satisfies global.json, builds
# _build.csproj when its inputs changed, and runs it with the arguments passed through.
# ./build.ps1 --help lists the targets and parameters.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$Root = $PSScriptRoot
$BuildProject = Join-Path $Root '_build.csproj'
$BuildDll = Join-Path $Root 'bin/Debug/net10.0/_build.dll'
$StateDir = Join-Path $Root '.kiln/build'
$Stamp = Join-Path $StateDir 'inputs.sha256'
$LocalDotnetDir = Join-Path $Root '.dotnet'
$InstallScriptUrl = 'https://dot.net/v1/dotnet-install.ps1'
$IsWindowsHost = [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Windows)
$DotnetName = if ($IsWindowsHost) { 'dotnet.exe' } else { 'dotnet' }

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

function Fail([string] $Message, [string] $Hint) {
    [Console]::Error.WriteLine("build.ps1: $Message")
    if ($Hint) { [Console]::Error.WriteLine("hint: $Hint") }
    exit 2
}

# `dotnet --version` run inside the repository fails when no installed SDK satisfies global.json.
function Test-GlobalJson([string] $Dotnet) {
    if (-not $Dotnet -or -not (Test-Path $Dotnet -PathType Leaf)) { return $false }
    Push-Location $Root
    try { & $Dotnet --version *> $null; return $LASTEXITCODE -eq 0 } catch { return $false } finally { Pop-Location }
}

function Find-Dotnet {
    $candidates = @(
        $env:DOTNET_EXE,
        (Join-Path $LocalDotnetDir $DotnetName),
        (Get-Command dotnet -ErrorAction SilentlyContinue | Select-Object -First 1 -ExpandProperty Source),
        $(if ($env:DOTNET_ROOT) { Join-Path $env:DOTNET_ROOT $DotnetName }),
        $(if ($IsWindowsHost) { Join-Path $env:ProgramFiles 'dotnet/dotnet.exe' } else { '/usr/share/dotnet/dotnet' }),
        $(if ($HOME) { Join-Path $HOME ".dotnet/$DotnetName" })
    )
    foreach ($candidate in $candidates) {
        if ($candidate -and (Test-GlobalJson $candidate)) { return $candidate }
    }
    return $null
}

function Install-Dotnet {
    New-Item -ItemType Directory -Force -Path $LocalDotnetDir | Out-Null
    $script = Join-Path $LocalDotnetDir 'dotnet-install.ps1'
    [Console]::Error.WriteLine('No .NET SDK satisfies global.json; installing one into .dotnet/ ...')
    try {
        [Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12
        Invoke-WebRequest -UseBasicParsing -TimeoutSec 30 -Uri $InstallScriptUrl -OutFile $script
    } catch {
        Fail "no .NET SDK satisfies global.json, and $InstallScriptUrl could not be downloaded (offline?)." `
            'install the SDK named in global.json (https://dot.net), or set DOTNET_EXE to a dotnet that has it.'
    }
    & $script -JsonFile (Join-Path $Root 'global.json') -InstallDir $LocalDotnetDir -NoPath
    if (-not $?) { Fail 'dotnet-install.ps1 could not install the SDK named in global.json.' 'see its output above.' }
}

# Paths, sizes and modification times of everything the build project compiles from.
function Get-InputsHash([string] $Dotnet) {
    $extensions = @('.cs', '.csproj', '.props', '.targets', '.json', '.resx')
    $lines = foreach ($area in 'build', 'src') {
        Get-ChildItem -Path (Join-Path $Root $area) -Recurse -File -ErrorAction SilentlyContinue |
            Where-Object { $extensions -contains $_.Extension -and $_.FullName -notmatch '[\\/](bin|obj)[\\/]' } |
            ForEach-Object { "$([IO.Path]::GetRelativePath($Root, $_.FullName)) $($_.LastWriteTimeUtc.Ticks) $($_.Length)" }
    }
    $lines = @($lines | Sort-Object -CaseSensitive)
    foreach ($file in '_build.csproj', 'global.json', 'Directory.Build.props', 'Directory.Build.targets', 'Directory.Packages.props', 'NuGet.config', 'nuget.config', '.editorconfig') {
        $path = Join-Path $Root $file
        if (Test-Path $path) { $item = Get-Item -Force $path; $lines += "$file $($item.LastWriteTimeUtc.Ticks) $($item.Length)" }
    }
    $lines += $Dotnet
    $bytes = [Text.Encoding]::UTF8.GetBytes(($lines -join "`n"))
    return [BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash($bytes)).Replace('-', '').ToLowerInvariant()
}

$Dotnet = Find-Dotnet
if (-not $Dotnet) {
    Install-Dotnet
    $Dotnet = Find-Dotnet
    if (-not $Dotnet) { Fail 'the SDK installed into .dotnet/ still does not satisfy global.json.' "check global.json's sdk.version." }
}
if (-not $env:DOTNET_ROOT) { $env:DOTNET_ROOT = Split-Path -Parent (Resolve-Path $Dotnet) }

$Hash = Get-InputsHash $Dotnet
$upToDate = (Test-Path $BuildDll) -and (Test-Path $Stamp) -and ((Get-Content -Raw $Stamp).Trim() -eq $Hash)
if (-not $upToDate) {
    Remove-Item -Force -ErrorAction SilentlyContinue $Stamp
    $log = & $Dotnet build $BuildProject --nologo --verbosity quiet 2>&1
    if ($LASTEXITCODE -ne 0) {
        $log | ForEach-Object { [Console]::Error.WriteLine($_) }
        Fail 'the build project (_build.csproj) does not compile; see the errors above.'
    }
    New-Item -ItemType Directory -Force -Path $StateDir | Out-Null
    Set-Content -NoNewline -Path $Stamp -Value $Hash
}

& $Dotnet $BuildDll @args
exit $LASTEXITCODE
