using System.ComponentModel;
using Kiln.Builders;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Steps;

namespace Kiln.Tests.Images;

/// <summary>A builder whose "image" is a text file: fast enough to run whole builds in unit tests, real enough to be incremental.</summary>
internal sealed class FileImageBuilder : Builder<FileImageConfig, FileImageState>
{
    public override string Type => "file-image";

    protected override IEnumerable<IStep<FileImageState>> CreateSteps(FileImageConfig config, ResolvedSource source) =>
        [new ProvisionStep<FileImageState>(), new WriteImageStep(config)];

    protected override FileImageState CreateState(FileImageConfig config, BuildContext context) => new(context);
}

[Description("A text file standing in for a disk image.")]
internal sealed class FileImageConfig : SourceConfig
{
    public string Content { get; init; } = "";

    [Description("A file whose text is copied into the image (stands in for a base image).")]
    public string? BaseFile { get; init; }
}

internal sealed class FileImageState(BuildContext context) : BuildState(context);

internal sealed class WriteImageStep(FileImageConfig config) : IStep<FileImageState>
{
    public string Name => "write image";

    public Stage Stage => Stage.Capture;

    public async Task RunAsync(FileImageState state, CancellationToken cancellationToken)
    {
        var context = state.Context;
        Directory.CreateDirectory(context.OutputDirectory);
        var path = Path.Combine(context.OutputDirectory, $"{context.Image.Name}.img");
        var baseText = config.BaseFile is null ? "" : await File.ReadAllTextAsync(Path.GetFullPath(config.BaseFile, Path.GetDirectoryName(context.Image.FilePath)!), cancellationToken);
        await File.WriteAllTextAsync(path, baseText + config.Content, cancellationToken);
        state.Artifacts.Add(new Artifact
        {
            BuilderType = "file-image",
            Id = path,
            Files = [new ArtifactFile(path, new FileInfo(path).Length)],
            Outputs = new Dictionary<string, string> { ["img"] = path },
        });
    }

    public Task CleanupAsync(FileImageState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
