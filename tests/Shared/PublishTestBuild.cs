using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Testing;

internal sealed class PublishTestSource : SourceConfig;

internal sealed class PublishTestState(BuildContext context) : BuildState(context);

/// <summary>A build that has finished its capture stage in a temp directory, ready for publishers.</summary>
internal sealed class PublishTestBuild : IDisposable
{
    private readonly bool _ownsRoot;

    public PublishTestBuild(string image = "web", string source = "qemu", string? root = null, TestLog? log = null, IProgressSink? progress = null)
    {
        _ownsRoot = root is null;
        Root = root ?? Directory.CreateTempSubdirectory("kiln-publish-").FullName;
        Log = log ?? new TestLog();
        var work = Path.Combine(Root, "work");
        Directory.CreateDirectory(work);
        var context = TestBuild.Context(
            new PublishTestSource(), type: "qemu", image: image, source: source,
            workDirectory: work, outputDirectory: Path.Combine(Root, "output", image, source), log: Log);
        State = new PublishTestState(progress is null ? context : context with { Progress = progress });
        Directory.CreateDirectory(State.Context.OutputDirectory);
    }

    public string Root { get; }

    /// <summary>Where the manifest publisher writes by default: the output root, above &lt;image&gt;/&lt;source&gt;.</summary>
    public string Manifest => Path.Combine(Root, "output", "manifest.json");

    public TestLog Log { get; }

    public PublishTestState State { get; }

    public BuildContext Context => State.Context;

    public string WriteFile(string name, long size, int seed = 1)
    {
        var path = Path.Combine(Context.OutputDirectory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var buffer = new byte[Math.Min(size, 1 << 20)];
        using var stream = File.Create(path);
        for (var left = size; left > 0; left -= buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(left, buffer.Length));
        }

        return path;
    }

    public static Artifact ArtifactOf(string builderType, string id, params string[] files) => new()
    {
        BuilderType = builderType,
        Id = id,
        Files = [.. files.Select(f => new ArtifactFile(f, new FileInfo(f).Length))],
    };

    public void Dispose()
    {
        if (!_ownsRoot)
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
