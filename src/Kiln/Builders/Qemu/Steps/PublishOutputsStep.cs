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
            if (format == DiskFormat.Vmx)
            {
                MoveFolder(staged, target);
                outputs["vmx"] = Path.Combine(target, VmxBundle.VmxFileName(state.OutputName));
                outputs["vmx_disk"] = Path.Combine(target, VmxBundle.DiskFileName(state.OutputName));
                var folderFiles = Directory.EnumerateFiles(target).Order(StringComparer.Ordinal).Select(f => new ArtifactFile(f, new FileInfo(f).Length)).ToList();
                files.AddRange(folderFiles);
                state.Context.Log.Info($"captured {target}/ ({DiskSize.Format(folderFiles.Sum(f => f.Size))})");
                continue;
            }

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

    /// <summary>A folder replaces the previous build's whole, by rename: its old files must not mix with the new ones.</summary>
    private static void MoveFolder(string staged, string target)
    {
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        Directory.Move(staged, target);
    }
}
