using System.Text.Json.Nodes;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>Finds the base image: bootstraps or downloads it into the shared cache, or checks a local file.</summary>
internal sealed class ResolveBaseStep(ImageCache cache) : IStep<QemuBuildState>
{
    public string Name => "resolve base image";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var baseConfig = state.Config.Base;
        string path;
        if (baseConfig.Bootstrap is { } bootstrap)
        {
            path = await new DebianBootstrapper(context, bootstrap, cache, uefi: state.Config.Firmware == QemuFirmware.Uefi, secureBoot: state.Config.SecureBoot).GetOrBuildAsync(cancellationToken);
        }
        else if (ImageSource.IsUrl(baseConfig.Image!))
        {
            ImageChecksum.TryParse(baseConfig.Checksum, out var checksum);
            path = await new ImageDownloader(context, cache).GetAsync(new Uri(baseConfig.Image!), checksum, cancellationToken);
        }
        else
        {
            path = LocalImageFile.Existing(baseConfig.Image!, context.Image.Directory, "the base image", "build the definition that makes it first, or fix base.image");
            if (ImageChecksum.TryParse(baseConfig.Checksum, out var checksum))
            {
                await LocalImageFile.VerifyAsync(path, checksum, "the base image", "base.checksum", cancellationToken);
            }
        }

        var info = JsonNode.Parse(await HostTool.RunAsync(context, "qemu-img", ["info", "--output=json", path], cancellationToken))!;
        state.BaseImagePath = path;
        state.BaseImageFormat = info["format"]!.GetValue<string>();
        state.BaseImageVirtualSize = info["virtual-size"]!.GetValue<long>();
        context.Log.Info($"base image {path} ({state.BaseImageFormat}, {DiskSize.Format(state.BaseImageVirtualSize)})");
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
