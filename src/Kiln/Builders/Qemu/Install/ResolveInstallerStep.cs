using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Install;

/// <summary>Finds the installer: downloads or checks the ISO (verified against its checksum, cached by it) and checks the kernel and initrd.</summary>
internal sealed class ResolveInstallerStep(ImageCache cache) : IStep<QemuBuildState>
{
    public string Name => "resolve installer";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var definitionDirectory = Path.GetDirectoryName(context.Image.FilePath)!;
        var baseConfig = state.Config.Base;
        if (baseConfig.Iso is { } iso)
        {
            state.InstallerIsoPath = await ResolveIsoAsync(state, iso, definitionDirectory, cancellationToken);
            context.Log.Info($"installer ISO {state.InstallerIsoPath}");
        }

        if (baseConfig.Boot is { } boot)
        {
            foreach (var file in new[] { boot.Kernel, boot.Initrd }.OfType<string>())
            {
                var path = ImageSource.LocalPath(file, definitionDirectory);
                if (!File.Exists(path))
                {
                    throw new KilnException($"the installer's {(file == boot.Kernel ? "kernel" : "initrd")} {path} does not exist", "fix base.boot");
                }
            }
        }
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<string> ResolveIsoAsync(QemuBuildState state, QemuIsoConfig iso, string definitionDirectory, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        if (iso.Url is { } url)
        {
            var uri = new Uri(url);
            var checksum = await IsoChecksum.ResolveAsync(iso.Checksum!, Path.GetFileName(uri.LocalPath), definitionDirectory, http, cancellationToken);
            return await new ImageDownloader(state.Context, cache, area: "iso").GetAsync(uri, checksum, cancellationToken);
        }

        var path = ImageSource.LocalPath(iso.Path!, definitionDirectory);
        if (!File.Exists(path))
        {
            throw new KilnException($"the installer ISO {path} does not exist", "fix base.iso.path");
        }

        if (iso.Checksum is { } text)
        {
            var expected = await IsoChecksum.ResolveAsync(text, Path.GetFileName(path), definitionDirectory, http, cancellationToken);
            var actual = await ImageDownloader.HashAsync(path, cancellationToken);
            if (actual != expected.Sha256)
            {
                throw new KilnException($"the installer ISO {path} has sha256 {actual}, not the expected {expected.Sha256}", "update base.iso.checksum or replace the file");
            }
        }

        return path;
    }
}
