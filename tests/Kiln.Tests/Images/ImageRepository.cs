using Kiln.Consoles;
using Kiln.Engine;
using Kiln.Images;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.Tests.Images;

/// <summary>A throwaway repository with definitions under templates/, built through the real facade with <see cref="FileImageBuilder"/>.</summary>
internal sealed class ImageRepository : IDisposable
{
    public ImageRepository() => Directory.CreateDirectory(Path.Combine(Root, "templates"));

    public string Root { get; } = Directory.CreateTempSubdirectory("kiln-images-").FullName;

    public static PluginCatalog Catalog { get; } = PluginCatalog.Default.With(builders: [new FileImageBuilder()]);

    public string Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public ImageBuildSettings Settings(params string[] images) => new()
    {
        WorkingDirectory = Root,
        Images = images,
        Catalog = Catalog,
        LedgerDirectory = Path.Combine(Root, ".kiln", "ledger"),
        Environment = new Dictionary<string, string>(),
        Console = new PlainBuildConsole(TextWriter.Null),
        Interaction = new NonInteractive(),
        Parallel = 2,
    };

    public async Task<IReadOnlyDictionary<string, BuildStatus>> BuildAsync(ImageBuildSettings settings)
    {
        var outcome = await KilnImages.BuildAsync(settings, TestContext.Current.CancellationToken);
        var failed = outcome.Results.FirstOrDefault(r => r.Status == BuildStatus.Failed);
        Assert.True(failed is null, failed?.Reason);
        return outcome.Results.ToDictionary(r => r.Name, r => r.Status);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
