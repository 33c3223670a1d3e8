using Kiln.Builders.Qemu;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// A stand-in for a stock cloud image such as debian-12-genericcloud: Debian 12 from mmdebstrap with cloud-init
/// (NoCloud), ifupdown, e2fsprogs and locales, none of Kiln's guest files, root locked (bootstrap.cloud_init). Its
/// bootstrap takes about five minutes, so it is made once into the test cache, keyed by its inputs, and appears there
/// whole or not at all.
/// </summary>
internal static class StandInCloudImage
{
    public static async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        var bootstrap = new DebianBootstrapConfig { Suite = "bookworm", CloudInit = true };
        var context = TestBuild.Context(QemuTestEnvironment.Config(), type: "qemu", image: "cloud-base");
        try
        {
            return await new DebianBootstrapper(context, bootstrap, new ImageCache(QemuTestEnvironment.CacheDirectory)).GetOrBuildAsync(cancellationToken);
        }
        finally
        {
            Directory.Delete(context.WorkDirectory, recursive: true);
        }
    }

    /// <summary>A definition's base: the stand-in as a plain image file, the way a downloaded cloud image is given.</summary>
    public static async Task<QemuBaseConfig> BaseAsync(CancellationToken cancellationToken) =>
        new() { Image = await GetAsync(cancellationToken) };
}
