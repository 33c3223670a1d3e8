using Kiln.Builders.Qemu;
using Kiln.Images;
using Kiln.Consoles;
using Kiln.Plugins;

/// <summary>
/// Real image builds through Kiln's facade (the QEMU builder with the given base image cache and layer directory),
/// for tests that SIGKILL this process in the middle of a QEMU build.
/// </summary>
internal static class ImageBuilds
{
    public static async Task<int> RunAsync(string templates, string output, string ledger, string cache, string layers)
    {
        var outcome = await KilnImages.BuildAsync(new ImageBuildSettings
        {
            Templates = templates,
            Output = output,
            LedgerDirectory = ledger,
            Catalog = PluginCatalog.Default.With(builders: [new QemuBuilder(cache, layers)]),
            Console = new PlainBuildConsole(Console.Out),
            Interaction = new NoOne(),
            Environment = new Dictionary<string, string>(),
            Parallel = 1,
        });
        return outcome.Succeeded ? 0 : 1;
    }
}
