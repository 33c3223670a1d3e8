using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kiln.Builders.Qemu.Layers;

/// <summary>
/// Which builds may share a saved, booted machine: those whose machine QEMU can load the state into. The key hashes the
/// base file's identity and every setting that shapes the machine's devices, memory or booted disk. The QEMU that saved
/// the state is checked separately (<see cref="WarmStore.ProblemAsync"/>), so a QEMU upgrade is reported, not silently missed.
/// </summary>
internal static class WarmKey
{
    /// <summary>Bump when the machine's warm-boot devices or the save recipe change.</summary>
    private const int Version = 1;

    /// <summary>Why builds of this source cannot start from a saved machine; null when they can.</summary>
    public static string? Unsupported(QemuSourceConfig config) =>
        !config.WarmBoot ? "warm_boot is false"
        : config.Base.IsInstaller ? "the base is an installer"
        : config.Firmware == QemuFirmware.Uefi ? "UEFI firmware keeps its variable store per build"
        : config.CdFiles.Count > 0 ? "cd_files attach a CD made for each build"
        : config.GuestInit == GuestInit.None ? "guest_init none gives the machine no build key to replace"
        : null;

    public static string Compute(QemuSourceConfig config, string baseImage, bool kvm)
    {
        var file = new FileInfo(baseImage);
        var document = JsonSerializer.Serialize(new
        {
            version = Version,
            @base = Path.GetFullPath(baseImage),
            baseSize = file.Exists ? file.Length : -1,
            baseWritten = file.Exists ? file.LastWriteTimeUtc.Ticks : -1,
            diskSize = config.DiskSize,
            cpus = config.Cpus,
            memory = config.Memory,
            machine = config.Machine,
            accelerator = kvm ? "kvm" : "tcg",
            firmware = config.Firmware.ToString(),
            qemuArgs = config.QemuArgs,
            user = config.SshUsername,
            guestInit = config.GuestInit.ToString(),
            cloudInit = config.CloudInit is null ? null : JsonSerializer.Serialize(config.CloudInit),
        });
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document)));
    }
}
