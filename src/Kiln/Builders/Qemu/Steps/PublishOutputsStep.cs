using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Steps;

/// <summary>Moves the whole set of converted files into the output directory and records the artifact.</summary>
internal sealed class PublishOutputsStep : IStep<QemuBuildState>
{
    public string Name => "capture outputs";

    public Stage Stage => Stage.Capture;

    public Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var output = state.Context.OutputDirectory;
        Directory.CreateDirectory(output);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<ArtifactFile>();
        foreach (var format in state.Config.Formats)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var staged = state.Captured[format];
            var target = Path.GetFullPath(Path.Combine(output, Path.GetFileName(staged)));
            File.Move(staged, target, overwrite: true);
            outputs[format.ToString().ToLowerInvariant()] = target;
            files.Add(new ArtifactFile(target, new FileInfo(target).Length));
            state.Context.Log.Info($"captured {target} ({DiskSize.Format(files[^1].Size)})");
        }

        state.Artifacts.Add(new Artifact
        {
            BuilderType = "qemu",
            Id = files[0].Path,
            Files = files,
            Outputs = outputs,
            CustomData = new Dictionary<string, string>
            {
                ["disk_size"] = state.Config.DiskSize,
                ["accelerator"] = state.UseKvm ? "kvm" : "tcg",
            },
        });
        return Task.CompletedTask;
    }

    public Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
