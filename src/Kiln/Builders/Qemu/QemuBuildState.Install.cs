using Kiln.Builders.Qemu.Install;

namespace Kiln.Builders.Qemu;

internal sealed partial class QemuBuildState
{
    /// <summary>The installer ISO in the cache or the user's file, attached as a CD to the installing machine.</summary>
    public string? InstallerIsoPath { get; internal set; }

    /// <summary>The CD made of cd_files, attached to the installing and the build machine.</summary>
    public string? CdFilesIsoPath { get; internal set; }

    /// <summary>Requests the build's HTTP server answered so far ("GET /preseed.cfg 200"), for tests and error messages.</summary>
    public IReadOnlyList<string> HttpRequests => HttpServer?.Requests ?? [];

    /// <summary>The port of the build's HTTP server on 127.0.0.1 while it runs.</summary>
    public int? HttpPort => HttpServer?.Port;

    internal InstallerHttpServer? HttpServer { get; set; }

    /// <summary>The role's copy of the UEFI variable store ("build" or "verify"), in the work directory.</summary>
    internal string UefiVarsPath(string role) => Path.Combine(Context.WorkDirectory, $"{role}-uefi-vars.fd");

    /// <summary>QEMU arguments the firmware and the extra CD add to a machine of <paramref name="role"/>.</summary>
    internal IReadOnlyList<string> MachineArguments(string role)
    {
        var arguments = new List<string>();
        if (Config.Firmware == QemuFirmware.Uefi)
        {
            arguments.AddRange(UefiFirmware.Arguments(UefiVarsPath(role), Config.SecureBoot));
        }

        if (role != "verify" && CdFilesIsoPath is { } cd)
        {
            arguments.AddRange(InstallerMedia.Cdrom(cd, index: 3));
        }

        return arguments;
    }
}
