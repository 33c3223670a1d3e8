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
        var definitionDirectory = context.Image.Directory;
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
                LocalImageFile.Existing(file, definitionDirectory, $"the installer's {(file == boot.Kernel ? "kernel" : "initrd")}", "fix base.boot");
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

        var path = LocalImageFile.Existing(iso.Path!, definitionDirectory, "the installer ISO", "fix base.iso.path");
        if (iso.Checksum is { } text)
        {
            var expected = await IsoChecksum.ResolveAsync(text, Path.GetFileName(path), definitionDirectory, http, cancellationToken);
            await LocalImageFile.VerifyAsync(path, expected, "the installer ISO", "base.iso.checksum", cancellationToken);
        }

        return path;
    }
}
