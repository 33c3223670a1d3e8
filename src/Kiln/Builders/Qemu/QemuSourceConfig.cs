using System.ComponentModel;
using Kiln.Definitions;
using Kiln.Engine;

namespace Kiln.Builders.Qemu;

[Description("Builds a disk image with QEMU: boots a copy-on-write overlay of a base image, provisions it over SSH, shuts it down and captures it in every listed format.")]
internal sealed partial class QemuSourceConfig : SourceConfig, IValidatableConfig, ILocalPaths, ILayeredSourceConfig
{
    [Description("The disk the build starts from: an existing image, or a Debian system Kiln bootstraps itself.")]
    public required QemuBaseConfig Base { get; init; }

    [Description("Virtual size of the built disk, e.g. \"8G\" or \"20480M\"; the root partition grows to fill it at first boot. At least the base image's size.")]
    public string DiskSize { get; init; } = "8G";

    [Description("Virtual CPUs of the build machine.")]
    public int Cpus { get; init; } = 2;

    [Description("Memory of the build machine, in MiB.")]
    public int Memory { get; init; } = 1024;

    [Description("auto tries KVM with a short boot probe and falls back to TCG; kvm requires it; tcg never uses it.")]
    public QemuAccelerator Accelerator { get; init; } = QemuAccelerator.Auto;

    [Description("Disk formats to capture: qcow2, raw, vmdk, vdi, vhdx, ova, vmx (a VMware machine folder: .vmx plus its vmdk).")]
    public IReadOnlyList<DiskFormat> Formats { get; init; } = [DiskFormat.Qcow2];

    [Description("The VMware machine the vmx format writes: firmware, disk type, disk and network adapters, guest OS.")]
    public QemuVmxConfig Vmx { get; init; } = new();

    [Description("Compress the qcow2 output (smaller, slower to write; reads stay transparent).")]
    public bool CompressQcow2 { get; init; }

    [Description("The user Kiln logs in as; the first-boot unit creates it (with passwordless sudo) when it does not exist.")]
    public string SshUsername { get; init; } = "root";

    [Description("How long the guest may take to accept the build key once its SSH port answers.")]
    public TimeSpan SshTimeout { get; init; } = TimeSpan.FromMinutes(5);

    [Description("How long the guest may take from power-on until its SSH server answers.")]
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromMinutes(10);

    [Description("Command that powers the guest off (run with sudo). Without it Kiln sends an ACPI power-down over QMP.")]
    public string? ShutdownCommand { get; init; }

    [Description("How long the guest may take to power off.")]
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromMinutes(5);

    [Description("Base name of the output files; defaults to the image name.")]
    public string? OutputName { get; init; }

    [Description("Empty /etc/machine-id before capture so every machine made from the image gets its own.")]
    public bool CleanMachineId { get; init; } = true;

    [Description("Remove the SSH host keys before capture; the image makes new ones at each machine's first boot.")]
    public bool CleanHostKeys { get; init; } = true;

    [Description("Remove apt's package cache and lists before capture (smaller image; run apt-get update before installing).")]
    public bool CleanAptCache { get; init; }

    [Description("How the captured image is booted for the verify checks.")]
    public QemuVerifyConfig Verify { get; init; } = new();

    [Description("Extra qemu-system arguments appended to the command line, e.g. [\"-device\", \"virtio-rng-pci\"].")]
    public IReadOnlyList<string> QemuArgs { get; init; } = [];

    [Description("QEMU machine type.")]
    public string Machine { get; init; } = "q35";

    [Description("A login password for ssh_username (use a sensitive variable). Kiln tries it with the password and keyboard-interactive methods, and feeds it to sudo -S when a step needs root.")]
    public string? SshPassword { get; init; }

    [Description("Run commands on a pseudo-terminal (for sudoers with requiretty); their stdout and stderr then arrive as one stream.")]
    public bool SshPty { get; init; }

    [Description("A jump host to reach the machine through (as ssh -J does).")]
    public string? SshBastionHost { get; init; }

    [Description("The jump host's SSH port.")]
    public int SshBastionPort { get; init; } = 22;

    [Description("The user to log in to the jump host as; by default ssh_username.")]
    public string? SshBastionUsername { get; init; }

    [Description("Private key file for the jump host.")]
    public string? SshBastionPrivateKeyFile { get; init; }

    [Description("Password for the jump host (use a sensitive variable).")]
    public string? SshBastionPassword { get; init; }

    [Description("How the machine gets the build key: auto picks by the base (a bootstrap base: the way it was made; an image: both ways below at once); kiln through fw_cfg to Kiln's first-boot unit (Kiln-built bases); cloud_init through a NoCloud seed (stock cloud images); none not at all (log in with ssh_password).")]
    public GuestInit GuestInit { get; init; } = GuestInit.Auto;

    [Description("Your own cloud-init data, merged with Kiln's seed (which adds the build user and key). Read a file with {{ file(\"user-data.yaml\") }}.")]
    public CloudInitConfig? CloudInit { get; init; }

    public IEnumerable<LocalPath> LocalPaths() =>
        (Base.Image is { } image && !ImageSource.IsUrl(image) ? [new LocalPath("base.image", ImageSource.LocalFile(image))] : (IEnumerable<LocalPath>)[])
            .Concat(InstallLocalPaths());

    /// <summary>What a provisioning layer depends on besides its steps; capture, verify and timeouts do not change a layer.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public object DiskShape => new { Base, DiskSize, Cpus, Memory, Machine, QemuArgs, SshUsername, GuestInit, CloudInit };

    public IEnumerable<ConfigProblem> Validate()
    {
        foreach (var problem in Base.Validate())
        {
            yield return problem with { PropertyPath = "base." + problem.PropertyPath };
        }

        foreach (var problem in Vmx.Validate(Base))
        {
            yield return problem with { PropertyPath = "vmx." + problem.PropertyPath };
        }

        if (!Qemu.DiskSize.TryParse(DiskSize, out _))
        {
            yield return new ConfigProblem("disk_size", $"'{DiskSize}' is not a disk size", "write a number with a unit: 8G, 20480M, 1T");
        }

        if (Cpus is < 1 or > 64)
        {
            yield return new ConfigProblem("cpus", $"cpus must be between 1 and 64, not {Cpus}");
        }

        if (Memory < 256)
        {
            yield return new ConfigProblem("memory", $"memory is in MiB and must be at least 256, not {Memory}", "e.g. memory: 2048");
        }

        if (Formats.Count == 0)
        {
            yield return new ConfigProblem("formats", "at least one output format is needed", "e.g. formats: [qcow2]");
        }

        if (Formats.Distinct().Count() != Formats.Count)
        {
            yield return new ConfigProblem("formats", "a format is listed twice");
        }

        if (string.IsNullOrWhiteSpace(SshUsername) || !SshUsername.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            yield return new ConfigProblem("ssh_username", $"'{SshUsername}' is not a valid user name");
        }

        if (OutputName is not null && (OutputName.Length == 0 || OutputName.IndexOfAny(['/', '\\', '\0']) >= 0 || OutputName.StartsWith('.')))
        {
            yield return new ConfigProblem("output_name", $"'{OutputName}' is not a plain file name");
        }

        foreach (var problem in QemuLogin.Validate(this).Concat(CloudInitSeed.Validate(this)))
        {
            yield return problem;
        }

        foreach (var (name, value) in new[] { ("ssh_timeout", SshTimeout), ("boot_timeout", BootTimeout), ("shutdown_timeout", ShutdownTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return new ConfigProblem(name, $"{name} must be positive");
            }
        }

        foreach (var problem in ValidateInstall())
        {
            yield return problem;
        }
    }
}

[Description("Exactly one of image, bootstrap, or an installer (iso and/or boot) that installs onto an empty disk.")]
internal sealed partial class QemuBaseConfig
{
    [Description("Path or http(s) URL of a disk image (qcow2, raw, vmdk, ...), or another definition's output such as {{ image.base.artifact.qcow2 }}. It must run the Kiln first-boot unit (every Kiln-built image does) so the build key can go in.")]
    public string? Image { get; init; }

    [Description("Expected digest of the image, \"sha256:<64 hex digits>\". Required for URLs; downloads are cached by it.")]
    public string? Checksum { get; init; }

    [Description("Build the base with mmdebstrap from the host's Debian mirror. Cached by its inputs.")]
    public DebianBootstrapConfig? Bootstrap { get; init; }

    internal IEnumerable<ConfigProblem> Validate()
    {
        if (new[] { Image is not null, Bootstrap is not null, IsInstaller }.Count(given => given) != 1)
        {
            yield return new ConfigProblem("", "base needs exactly one of 'image' or 'bootstrap', or an installer ('iso' and/or 'boot')", "e.g. base: { bootstrap: { suite: bookworm } }");
        }

        foreach (var problem in ValidateInstaller())
        {
            yield return problem;
        }

        if (Bootstrap is not null && Checksum is not null)
        {
            yield return new ConfigProblem("checksum", "checksum applies to 'image' only");
        }

        if (Image is not null && Checksum is null && ImageSource.IsUrl(Image))
        {
            yield return new ConfigProblem("checksum", "a downloaded image needs a checksum", "add checksum: sha256:<digest> (sha256sum prints it)");
        }

        if (Checksum is not null && !ImageChecksum.TryParse(Checksum, out _))
        {
            yield return new ConfigProblem("checksum", $"'{Checksum}' is not a checksum", "write sha256: followed by 64 hex digits");
        }

        foreach (var problem in Bootstrap?.Validate() ?? [])
        {
            yield return problem with { PropertyPath = "bootstrap." + problem.PropertyPath };
        }
    }
}

[Description("A minimal Debian system with a kernel, GRUB (BIOS), OpenSSH, systemd-networkd (DHCP) and the Kiln first-boot unit.")]
internal sealed class DebianBootstrapConfig
{
    [Description("Only debian for now.")]
    public string Distribution { get; init; } = "debian";

    [Description("Debian suite (codename), e.g. bookworm.")]
    public string Suite { get; init; } = "bookworm";

    [Description("Extra packages to install.")]
    public IReadOnlyList<string> Packages { get; init; } = [];

    [Description("Debian mirror URL; by default the one this machine's apt uses (/etc/apt/sources.list.d).")]
    public string? Mirror { get; init; }

    [Description("Debian security mirror URL; by default the one this machine's apt uses, else none.")]
    public string? SecurityMirror { get; init; }

    [Description("Kernel package. linux-image-amd64 boots on QEMU, VirtualBox, VMware and Hyper-V; linux-image-cloud-amd64 is smaller but lacks AHCI and e1000.")]
    public string Kernel { get; init; } = "linux-image-amd64";

    [Description("Make a stock cloud image, as Debian's genericcloud images are: cloud-init (NoCloud) and ifupdown instead of Kiln's first-boot unit and systemd-networkd, root locked. Builds from it get their key through a cloud-init seed.")]
    public bool CloudInit { get; init; }

    internal IEnumerable<ConfigProblem> Validate()
    {
        if (!string.Equals(Distribution, "debian", StringComparison.Ordinal))
        {
            yield return new ConfigProblem("distribution", $"cannot bootstrap '{Distribution}'", "only debian is supported; use base.image for other systems");
        }

        if (!AptSources.IsValidName(Suite))
        {
            yield return new ConfigProblem("suite", $"'{Suite}' is not a suite name", "e.g. bookworm");
        }

        foreach (var package in Packages.Append(Kernel).Where(p => !AptSources.IsValidName(p)))
        {
            yield return new ConfigProblem("packages", $"'{package}' is not a Debian package name");
        }

        foreach (var (key, url) in new[] { ("mirror", Mirror), ("security_mirror", SecurityMirror) })
        {
            if (url is not null && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "file"))
            {
                yield return new ConfigProblem(key, $"'{url}' is not an http(s) or file URL");
            }
        }
    }
}

[Description("Boots the captured qcow2 (in snapshot mode, nothing written back) for the verify checks.")]
internal sealed class QemuVerifyConfig
{
    [Description("Boot the captured image and check it; off skips the verify boot and its checks.")]
    public bool Enabled { get; init; } = true;

    [Description("Virtual CPUs of the verify machine; by default the build's.")]
    public int? Cpus { get; init; }

    [Description("Memory of the verify machine in MiB; by default the build's.")]
    public int? Memory { get; init; }
}

internal enum QemuAccelerator
{
    Auto,
    Kvm,
    Tcg,
}

internal enum DiskFormat
{
    Qcow2,
    Raw,
    Vmdk,
    Vdi,
    Vhdx,
    Ova,
    Vmx,
}
