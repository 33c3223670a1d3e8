using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Steps;

/// <summary>
/// Removes exactly the build key's line from the machine's authorized_keys, so the image does not ship it.
/// Builders put it last before capture. Lines are matched by the key itself, whatever their options or comment;
/// every other line, and the file's owner and mode, stay as they were. The open session keeps working.
/// </summary>
/// <param name="authorizedKeysFiles">Remote files to clean; by default the SSH user's <c>~/.ssh/authorized_keys</c>.</param>
internal sealed class RemoveBuildKeyStep<TState>(IReadOnlyList<string>? authorizedKeysFiles = null) : IStep<TState>
    where TState : BuildState, IBuildKeyHolder
{
    private const string DefaultFile = "$HOME/.ssh/authorized_keys";

    public string Name => "remove build SSH key";

    public Stage Stage => Stage.Provision;

    public async Task RunAsync(TState state, CancellationToken cancellationToken)
    {
        var key = state.BuildKey ?? throw new InvalidOperationException($"'{Name}' ran without a build key.");
        var communicator = state.Communicator ?? throw new InvalidOperationException($"'{Name}' ran without a communicator.");
        if (authorizedKeysFiles is not { Count: > 0 } && state.BuildKeyRemovedBy is { } removedBy)
        {
            state.Context.Log.Info($"removed the build SSH key ({key.Fingerprint}) from {DefaultFile} {removedBy}");
            return;
        }

        var files = authorizedKeysFiles is { Count: > 0 } ? authorizedKeysFiles : [DefaultFile];
        foreach (var file in files)
        {
            var output = new CommandOutputTail(state.Context.Log);
            var result = await communicator.ExecuteAsync(
                new RemoteCommand(Script(file)) { Environment = new Dictionary<string, string> { ["KILN_KEY"] = key.PublicKeyBlob } },
                output,
                cancellationToken);
            if (result.ExitCode != 0)
            {
                throw new KilnException(
                    $"Could not remove the build SSH key from {file} on the machine (exit code {result.ExitCode?.ToString() ?? "none: disconnected"}).{output.Describe()}",
                    "The image must not ship the build key. Check that the SSH user may write its authorized_keys.");
            }

            state.Context.Log.Info($"removed the build SSH key ({key.Fingerprint}) from {file}");
        }
    }

    public Task CleanupAsync(TState state, CancellationToken cancellationToken) => Task.CompletedTask;

    // $HOME is left for the remote shell to expand; an explicit path is quoted. The file is rewritten in place
    // (cat >) so its inode, owner and mode survive; awk compares whole fields, so no regex or substring can misfire.
    internal static string Script(string file)
    {
        var path = file.StartsWith("$HOME/", StringComparison.Ordinal)
            ? "\"$HOME\"" + ShellQuote.Quote(file["$HOME".Length..])
            : ShellQuote.Quote(file);
        return $$"""
            f={{path}}
            [ -f "$f" ] || exit 0
            t="$(mktemp)" || exit 1
            awk -v key="$KILN_KEY" '{ for (i = 1; i <= NF; i++) if ($i == key) next; print }' "$f" > "$t" && cat "$t" > "$f"
            rc=$?
            rm -f "$t"
            [ $rc -eq 0 ] || exit $rc
            ! awk -v key="$KILN_KEY" '{ for (i = 1; i <= NF; i++) if ($i == key) found = 1 } END { exit !found }' "$f"
            """;
    }
}
