using System.Text;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>
/// One checksum file per type listing every input file, named relative to the checksum file's directory so that
/// `sha256sum -c` works from there. Its artifact (builder type "checksum") holds the checksum files.
/// </summary>
public sealed class ChecksumPublisher : Publisher<ChecksumConfig>
{
    public override string Type => "checksum";

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        ChecksumConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var files = inputs.SelectMany(a => a.Files).Select(f => Path.GetFullPath(f.Path)).Distinct().ToList();
        if (files.Count == 0)
        {
            context.Log.Warn("checksum: the input artifacts have no files; nothing to checksum");
            return [];
        }

        var types = config.Types.Distinct().ToList();
        var digests = new List<IReadOnlyDictionary<ChecksumType, string>>();
        foreach (var file in files)
        {
            digests.Add(await FileHasher.HashAsync(file, types, state.Digests, context.Progress, cancellationToken));
        }

        var written = new List<ArtifactFile>();
        var outputs = new Dictionary<string, string>();
        foreach (var type in types)
        {
            var name = type.ToString().ToLowerInvariant();
            var path = OutputPath(config, context, type, files[0]);
            var directory = Path.GetDirectoryName(path)!;
            var text = new StringBuilder();
            for (var i = 0; i < files.Count; i++)
            {
                text.Append(Line(digests[i][type], Path.GetRelativePath(directory, files[i])));
            }

            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            await PartialFile.WriteAsync(path, context.Ledger, (s, ct) => s.WriteAsync(bytes, ct).AsTask(), cancellationToken);
            context.Log.Info($"checksum: wrote {path}");
            written.Add(new ArtifactFile(path, bytes.Length));
            outputs[$"{name}_file"] = path;
            if (files.Count == 1)
            {
                outputs[name] = digests[0][type];
            }
        }

        return
        [
            new Artifact { BuilderType = Type, Id = written[0].Path, Files = written, Outputs = outputs },
        ];
    }

    /// <summary>GNU coreutils' format; names with a backslash or newline are escaped and the line starts with a backslash.</summary>
    internal static string Line(string hex, string fileName)
    {
        if (fileName.Contains('\\') || fileName.Contains('\n'))
        {
            var escaped = fileName.Replace("\\", "\\\\", StringComparison.Ordinal)
                .Replace("\n", "\\n", StringComparison.Ordinal);
            return $"\\{hex}  {escaped}\n";
        }

        return $"{hex}  {fileName}\n";
    }

    private static string OutputPath(ChecksumConfig config, BuildContext context, ChecksumType type, string firstFile)
    {
        var name = type.ToString().ToLowerInvariant();
        return config.Output is { } output
            ? ConfigPaths.Resolve(context, output.Replace("{type}", name, StringComparison.Ordinal))
            : Path.Combine(Path.GetDirectoryName(firstFile)!, $"{context.BuildName}.{name.ToUpperInvariant()}SUMS");
    }
}
