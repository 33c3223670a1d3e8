using Kiln.Builders.Qemu.Layers;
using Kiln.Builders.Qemu.Steps;
using Kiln.Engine;

namespace Kiln.Builders.Qemu.Install;

/// <summary>The QEMU builder's steps up to its build key: from a base image, or from an installer onto an empty disk.</summary>
internal static class InstallSteps
{
    public static IEnumerable<IStep<QemuBuildState>> Before(QemuSourceConfig config, ImageCache cache, LayerStore layers)
    {
        var installer = config.Base.IsInstaller;
        yield return installer ? new ResolveInstallerStep(cache) : new ResolveBaseStep(cache);
        yield return new SelectAcceleratorStep(cache);
        if (!installer)
        {
            // An installer's disk starts empty: there is no base for a cached provisioning layer to sit on yet.
            yield return new ResumeFromLayerStep(layers);
            yield return new FindWarmStateStep(layers);
        }

        yield return new CreateOverlayStep(empty: installer);
        if (config.Firmware == QemuFirmware.Uefi)
        {
            yield return new PrepareFirmwareStep();
        }

        if (NeedsHttpServer(config))
        {
            yield return new StartHttpServerStep();
        }

        if (config.CdFiles.Count > 0)
        {
            yield return new CreateCdStep();
        }

        if (installer)
        {
            yield return new InstallStep();
        }
    }

    public static IEnumerable<string> Resources(QemuSourceConfig config)
    {
        if (config.Base.IsInstaller)
        {
            yield return "an empty qcow2 disk of disk_size in the work directory, and a qemu-system-x86_64 process running the installer on it";
        }

        if (NeedsHttpServer(config))
        {
            yield return "an HTTP server on a free 127.0.0.1 port in Kiln's process (http_directory, http_content)";
        }

        if (config.CdFiles.Count > 0)
        {
            yield return "an ISO of cd_files in the work directory";
        }

        if (config.Firmware == QemuFirmware.Uefi)
        {
            yield return "copies of OVMF's UEFI variable store in the work directory";
        }
    }

    private static bool NeedsHttpServer(QemuSourceConfig config) =>
        config.HttpDirectory is not null || config.HttpContent.Count > 0;
}
