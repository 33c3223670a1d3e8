using System.Text;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Provisioners;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>A minimal provisioner for these tests: uploads files, then runs a command through the build's real communicator.</summary>
internal sealed class GuestCommandProvisioner : Provisioner<GuestCommandConfig>
{
    public override string Type => "guest-command";

    protected override async Task RunAsync(GuestCommandConfig config, BuildState state, CancellationToken cancellationToken)
    {
        var communicator = state.Communicator ?? throw new KilnException("no communicator");
        foreach (var (remote, content) in config.Uploads)
        {
            await communicator.UploadAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), remote, cancellationToken);
        }

        var output = new Output(state.Context.Log);
        var result = await communicator.ExecuteAsync(new RemoteCommand(config.Command) { Sudo = true }, output, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new KilnException($"'{config.Command}' exited with {result.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "a dropped connection"}");
        }
    }

    private sealed class Output(IBuildLog log) : ICommandOutput
    {
        public void StandardOutput(string line) => log.Output(line);

        public void StandardError(string line) => log.Output(line, isError: true);
    }
}

internal sealed class GuestCommandConfig : ProvisionerConfig
{
    public required string Command { get; init; }

    public IReadOnlyDictionary<string, string> Uploads { get; init; } = new Dictionary<string, string>();

    public static ResolvedPlugin<ProvisionerConfig> Entry(string command, IReadOnlyDictionary<string, string>? uploads = null) =>
        new("guest-command", new GuestCommandConfig { Command = command, Uploads = uploads ?? new Dictionary<string, string>() }, null);
}
