using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Provisioners;

/// <summary>
/// Packer's puppet-masterless: uploads the manifest, modules and Hiera files into a staging directory, runs
/// <c>puppet apply --detailed-exitcodes</c> there (exit 2 means changes, not failure), and removes the staging
/// directory afterwards. A failed run quotes puppet's own Error: lines.
/// </summary>
internal sealed class PuppetMasterlessProvisioner : Provisioner<PuppetMasterlessConfig>
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromMinutes(1);

    public override string Type => "puppet-masterless";

    protected override IEnumerable<string> InputFiles(PuppetMasterlessConfig config) =>
        [config.ManifestFile, .. config.ModulePaths, .. new[] { config.HieraConfigPath, config.HieraDataDir }.OfType<string>()];

    protected override async Task RunAsync(PuppetMasterlessConfig config, BuildState state, CancellationToken cancellationToken)
    {
        var communicator = ProvisionerCommunicator.Require(state, Type);
        var context = state.Context;
        var staging = RemotePath.TrimEnd(config.StagingDirectory);
        await RunCheckedAsync(communicator, context, $"mkdir -p -m 0700 {ShellQuote.Quote(staging)}", sudo: false, cancellationToken);
        try
        {
            var placeholders = await UploadAsync(config, communicator, context, staging, cancellationToken);
            await ApplyAsync(config, communicator, context, placeholders, cancellationToken);
        }
        finally
        {
            if (config.CleanStagingDirectory)
            {
                await RemoveStagingAsync(communicator, context, staging, !config.PreventSudo);
            }
        }
    }

    private static async Task<Dictionary<string, string>> UploadAsync(
        PuppetMasterlessConfig config, ICommunicator communicator, BuildContext context, string staging, CancellationToken cancellationToken)
    {
        var manifest = Local(context, config.ManifestFile, "manifest_file");
        var remoteManifest = RemotePath.Combine(staging, "manifests");
        if (Directory.Exists(manifest))
        {
            await communicator.UploadDirectoryAsync(manifest, remoteManifest, cancellationToken);
        }
        else
        {
            await RunCheckedAsync(communicator, context, $"mkdir -p {ShellQuote.Quote(remoteManifest)}", sudo: false, cancellationToken);
            remoteManifest = RemotePath.Combine(remoteManifest, Path.GetFileName(manifest));
            await using var file = File.OpenRead(manifest);
            await communicator.UploadAsync(file, remoteManifest, cancellationToken, mode: 0b110_000_000);
        }

        var modules = new List<string>();
        foreach (var (path, index) in config.ModulePaths.Select((p, i) => (p, i)))
        {
            var local = Local(context, path, "module_paths");
            var remote = RemotePath.Combine(staging, $"module-{index}");
            await communicator.UploadDirectoryAsync(local, remote, cancellationToken);
            modules.Add(remote);
        }

        string? hieraConfig = null;
        if (config.HieraConfigPath is { } hiera)
        {
            var remoteHiera = RemotePath.Combine(staging, "hiera");
            await RunCheckedAsync(communicator, context, $"mkdir -p {ShellQuote.Quote(remoteHiera)}", sudo: false, cancellationToken);
            hieraConfig = RemotePath.Combine(remoteHiera, "hiera.yaml");
            await using (var file = File.OpenRead(Local(context, hiera, "hiera_config_path")))
            {
                await communicator.UploadAsync(file, hieraConfig, cancellationToken, mode: 0b110_000_000);
            }

            if (config.HieraDataDir is { } data)
            {
                var local = Local(context, data, "hiera_data_dir");
                await communicator.UploadDirectoryAsync(local, RemotePath.Combine(remoteHiera, Path.GetFileName(Path.TrimEndingDirectorySeparator(local))), cancellationToken);
            }
        }

        var facts = config.Facter.ToDictionary(f => "FACTER_" + f.Key, f => f.Value, StringComparer.Ordinal);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["working_directory"] = ShellQuote.Quote(config.WorkingDirectory ?? staging),
            ["facter_vars"] = string.Join(' ', facts.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Key + "=" + ShellQuote.Quote(f.Value))),
            ["module_path"] = modules.Count == 0 ? "" : "--modulepath=" + ShellQuote.Quote(string.Join(':', modules)),
            ["hiera_config"] = hieraConfig is null ? "" : "--hiera_config=" + ShellQuote.Quote(hieraConfig),
            ["extra_arguments"] = string.Join(' ', config.ExtraArguments.Select(ShellQuote.Quote)),
            ["manifest_file"] = ShellQuote.Quote(remoteManifest),
        };
    }

    private static async Task ApplyAsync(
        PuppetMasterlessConfig config, ICommunicator communicator, BuildContext context, IReadOnlyDictionary<string, string> placeholders, CancellationToken cancellationToken)
    {
        var commandLine = Expand(config.ExecuteCommand, placeholders);
        // Fact values may be secrets: the log shows their names only.
        var display = Expand(config.ExecuteCommand, new Dictionary<string, string>(placeholders, StringComparer.Ordinal)
        {
            ["facter_vars"] = string.Join(' ', config.Facter.Keys.Order(StringComparer.Ordinal).Select(k => $"FACTER_{k}=***")),
        });
        context.Log.Info($"puppet-masterless: {display}");
        var output = new PuppetOutput(new CommandOutputTail(context.Log, capacity: 30, redactor: context.Redactor), context.Redactor);
        var result = await communicator.ExecuteAsync(new RemoteCommand(commandLine) { Sudo = !config.PreventSudo, Display = display }, output, cancellationToken);
        if (result.ExitCode is not { } exitCode)
        {
            throw new KilnException($"puppet-masterless: the connection dropped while puppet ran (command: {display}).{output.Tail.Describe()}", "check the machine's console log; puppet may have rebooted it");
        }

        if (config.ValidExitCodes.Contains(exitCode))
        {
            context.Log.Info(exitCode switch
            {
                0 => "puppet-masterless: applied, no changes",
                2 => "puppet-masterless: applied, with changes",
                _ => $"puppet-masterless: applied, exit code {exitCode}",
            });
            return;
        }

        var meaning = exitCode switch
        {
            1 => "puppet could not run",
            4 => "some resources failed",
            6 => "changes were made and some resources failed",
            _ => $"exit code {exitCode}",
        };
        var errors = output.Errors.Count > 0 ? "\n  " + string.Join("\n  ", output.Errors) : output.Tail.Describe();
        throw new KilnException(
            $"puppet-masterless: puppet apply failed with exit code {exitCode} ({meaning}):{errors}",
            exitCode == 1 ? "fix the manifest where puppet's message points; `puppet parser validate <file>` checks syntax locally" : "see the failed resources above; list other acceptable codes in valid_exit_codes");
    }

    private static string Expand(string template, IReadOnlyDictionary<string, string> placeholders)
    {
        var text = template;
        foreach (var (name, value) in placeholders)
        {
            text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }

        return string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string Local(BuildContext context, string path, string key)
    {
        var full = context.Image.ResolvePath(path);
        return File.Exists(full) || Directory.Exists(full)
            ? full
            : throw new KilnException($"puppet-masterless: {key} '{path}' not found (looked for {full})", "paths are relative to the definition file");
    }

    private static async Task RunCheckedAsync(ICommunicator communicator, BuildContext context, string commandLine, bool sudo, CancellationToken cancellationToken)
    {
        var output = new CommandOutputTail(redactor: context.Redactor);
        var result = await communicator.ExecuteAsync(new RemoteCommand(commandLine) { Sudo = sudo }, output, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new KilnException($"puppet-masterless: '{commandLine}' failed on the machine (exit code {result.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: disconnected"}).{output.Describe()}", "check staging_directory and the SSH user's rights");
        }
    }

    // The manifests and Hiera data may hold secrets; they must not ship in the image.
    private static async Task RemoveStagingAsync(ICommunicator communicator, BuildContext context, string staging, bool sudo)
    {
        using var bounded = new CancellationTokenSource(CleanupTimeout);
        try
        {
            var result = await communicator.ExecuteAsync(new RemoteCommand($"rm -rf -- {ShellQuote.Quote(staging)}") { Sudo = sudo }, new CommandOutputTail(), bounded.Token);
            if (result.ExitCode != 0)
            {
                context.Log.Warn($"puppet-masterless: could not remove {staging} from the machine (exit code {result.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: disconnected"})");
            }
        }
        catch (Exception ex) when (ex is KilnException or OperationCanceledException)
        {
            context.Log.Warn($"puppet-masterless: could not remove {staging} from the machine: {ex.Message}");
        }

    }

    /// <summary>Forwards puppet's output to the log and keeps its "Error:" lines for the failure message.</summary>
    private sealed class PuppetOutput(CommandOutputTail tail, Secrets.IRedactor redactor) : ICommandOutput
    {
        private readonly List<string> _errors = [];

        public CommandOutputTail Tail => tail;

        public IReadOnlyList<string> Errors
        {
            get
            {
                lock (_errors)
                {
                    return [.. _errors];
                }
            }
        }

        public void StandardOutput(string line)
        {
            tail.StandardOutput(line);
            Keep(line);
        }

        public void StandardError(string line)
        {
            tail.StandardError(line);
            Keep(line);
        }

        private void Keep(string line)
        {
            if (!line.StartsWith("Error:", StringComparison.Ordinal))
            {
                return;
            }

            lock (_errors)
            {
                if (_errors.Count < 20)
                {
                    _errors.Add(redactor.Redact(line));
                }
            }
        }
    }
}
