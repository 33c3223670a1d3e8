using System.Text;
using Kiln.Communicators;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>
/// Runs a host command per input artifact and passes the artifacts on unchanged (like Packer's shell-local): the
/// provisioner's command and environment (<see cref="ShellLocalCommand"/>), plus the artifact's KILN_ARTIFACT_* variables.
/// </summary>
internal sealed class ShellLocalPublisher : Publisher<ShellLocalConfig>
{
    public override string Type => "shell-local";

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        ShellLocalConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        foreach (var artifact in inputs)
        {
            state.Context.Log.Info($"shell-local: artifact {artifact.Id}");
            await ShellLocalCommand.RunAsync(config.Options, state, Variables(artifact), config.Timeout, cancellationToken);
        }

        return inputs;
    }

    private static Dictionary<string, string> Variables(Artifact artifact)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KILN_ARTIFACT_ID"] = artifact.Id,
            ["KILN_ARTIFACT_BUILDER_TYPE"] = artifact.BuilderType,
            ["KILN_ARTIFACT_FILES"] = string.Join("\n", artifact.Files.Select(f => Path.GetFullPath(f.Path))),
        };
        foreach (var (key, value) in artifact.Outputs)
        {
            variables["KILN_ARTIFACT_OUTPUT_" + EnvironmentName(key)] = value;
        }

        return variables;
    }

    private static string EnvironmentName(string key)
    {
        var name = new StringBuilder(key.Length);
        foreach (var c in key)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        }

        return name.ToString();
    }
}
