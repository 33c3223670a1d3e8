using System.ComponentModel;
using Kiln.Builders.Qemu.Install;
using Kiln.Definitions;

namespace Kiln.Builders.Qemu;

/// <summary>Packer's installer settings: keystrokes, the build's HTTP server, an extra CD and the firmware.</summary>
internal sealed partial class QemuSourceConfig
{
    [Description("How long to wait after power-on before typing boot_command.")]
    public TimeSpan BootWait { get; init; } = TimeSpan.FromSeconds(10);

    [Description("Keystrokes typed into the console after boot_wait, in Packer's syntax: text, <enter>, <tab>, <esc>, <f1>..<f12>, <wait>, <wait5>, <wait10s>, <leftCtrlOn>..<leftCtrlOff>; {{ http.ip }} and {{ http.port }} name the build's HTTP server.")]
    public IReadOnlyList<string> BootCommand { get; init; } = [];

    [Description("Pause between two keystrokes of boot_command.")]
    public TimeSpan BootKeyInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    [Description("A folder served over HTTP to the guest for the build's life (answer files, preseed.cfg, kickstart), at http://{{ http.ip }}:{{ http.port }}/.")]
    public string? HttpDirectory { get; init; }

    [Description("Files served over HTTP by path (\"/preseed.cfg\": \"...\"), besides or instead of http_directory; these win over its files. {{ http.ip }} and {{ http.port }} in them are replaced.")]
    public IReadOnlyDictionary<string, string> HttpContent { get; init; } = new Dictionary<string, string>();

    [Description("Files and folders put on an extra CD attached to the installer (xorriso or genisoimage), e.g. an answer file.")]
    public IReadOnlyList<string> CdFiles { get; init; } = [];

    [Description("Volume label of the cd_files CD, e.g. cidata or OEMDRV.")]
    public string? CdLabel { get; init; }

    [Description("How long the installer may run until it powers the machine off (a reboot ends it too).")]
    public TimeSpan InstallTimeout { get; init; } = TimeSpan.FromMinutes(60);

    [Description("bios (SeaBIOS) or uefi (OVMF, from Debian's ovmf package, with a fresh copy of its variables for each machine). The verify boot and the OVA use the same firmware.")]
    public QemuFirmware Firmware { get; init; } = QemuFirmware.Bios;

    [Description("With firmware: uefi, boot with Secure Boot enforced (OVMF's secboot code and Microsoft-enrolled variables).")]
    public bool SecureBoot { get; init; }

    /// <summary>The installer's files on the build host, checked at validation like every other local path.</summary>
    private IEnumerable<LocalPath> InstallLocalPaths()
    {
        if (HttpDirectory is not null)
        {
            yield return new LocalPath("http_directory", HttpDirectory, LocalPathKind.Directory);
        }

        foreach (var path in LocalPath.Each("cd_files", CdFiles, LocalPathKind.FileOrDirectory))
        {
            yield return path;
        }

        if (Base.Iso?.Path is { } iso)
        {
            yield return new LocalPath("base.iso.path", iso);
        }

        foreach (var (key, file) in new[] { ("kernel", Base.Boot?.Kernel), ("initrd", Base.Boot?.Initrd) })
        {
            if (file is { Length: > 0 })
            {
                yield return new LocalPath($"base.boot.{key}", file);
            }
        }
    }

    private IEnumerable<ConfigProblem> ValidateInstall()
    {
        for (var i = 0; i < BootCommand.Count; i++)
        {
            if (!Install.BootCommand.TryParse(BootCommand[i], out _, out var error))
            {
                yield return new ConfigProblem($"boot_command[{i}]", $"boot_command[{i}]: {error!.Message}", error.Hint);
            }
        }

        if (BootCommand.Count > 0 && !Base.IsInstaller)
        {
            yield return new ConfigProblem("boot_command", "boot_command is typed into an installer, and this base is not one", "boot an installer with base.iso or base.boot");
        }

        foreach (var path in HttpContent.Keys.Where(p => !HttpFiles.IsValidPath(p)))
        {
            yield return new ConfigProblem("http_content", $"'{path}' is not a URL path", "write it like /preseed.cfg");
        }

        if (CdLabel is not null && !CdImage.IsValidLabel(CdLabel))
        {
            yield return new ConfigProblem("cd_label", $"'{CdLabel}' is not a volume label", "use up to 32 letters, digits, '_' or '-'");
        }

        if (CdLabel is not null && CdFiles.Count == 0)
        {
            yield return new ConfigProblem("cd_label", "cd_label needs cd_files");
        }

        if (SecureBoot && Firmware != QemuFirmware.Uefi)
        {
            yield return new ConfigProblem("secure_boot", "secure_boot needs firmware: uefi");
        }

        foreach (var (name, value) in new[] { ("boot_wait", BootWait), ("boot_key_interval", BootKeyInterval) })
        {
            if (value < TimeSpan.Zero)
            {
                yield return new ConfigProblem(name, $"{name} must not be negative");
            }
        }

        if (InstallTimeout <= TimeSpan.Zero)
        {
            yield return new ConfigProblem("install_timeout", "install_timeout must be positive");
        }
    }
}

internal enum QemuFirmware
{
    Bios,
    Uefi,
}
