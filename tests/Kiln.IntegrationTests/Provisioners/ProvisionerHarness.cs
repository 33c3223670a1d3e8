using Kiln.Definitions;
using Kiln.Engine;
using Kiln.IntegrationTests.Ssh;
using Kiln.Steps;
using Kiln.Testing;
using Kiln.Testing.Sshd;

namespace Kiln.IntegrationTests.Provisioners;

/// <summary>
/// A build connected to a real sshd on this host: its state has a live SSH communicator, the definition directory is
/// <see cref="DefinitionDirectory"/>, and <see cref="Remote"/> is a per-test directory standing for the machine's disk.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public abstract class ProvisionerHarness : IAsyncLifetime
{
    protected CancellationToken Cancellation { get; } = TestContext.Current.CancellationToken;

    internal TestLog Log { get; } = new();

    internal MemoryLedger Ledger { get; } = new();

    internal Sshd Sshd { get; private set; } = null!;

    internal SshTestState State { get; private set; } = null!;

    protected string Remote { get; private set; } = null!;

    protected string DefinitionDirectory => State.Context.WorkDirectory;

    public async ValueTask InitializeAsync()
    {
        Sshd = await Sshd.StartNewAsync(Cancellation);
        State = new SshTestState(TestBuild.Context(new SshTestSourceConfig(), type: "qemu", image: "web", source: "local", log: Log, ledger: Ledger));
        await new CreateBuildKeyStep<SshTestState>().RunAsync(State, Cancellation);
        await Sshd.AuthorizeAsync(State.BuildKey!.PublicKey, Cancellation);
        State.SshEndpoint = Sshd.Endpoint(State.BuildKey.PrivateKeyPath);
        await new WaitForSshStep<SshTestState>().RunAsync(State, Cancellation);
        Remote = Directory.CreateTempSubdirectory("kiln-machine-").FullName;
    }

    public async ValueTask DisposeAsync()
    {
        await new WaitForSshStep<SshTestState>().CleanupAsync(State, CancellationToken.None);
        await new CreateBuildKeyStep<SshTestState>().CleanupAsync(State, CancellationToken.None);
        await Sshd.DisposeAsync();
        Directory.Delete(Remote, recursive: true);
        Directory.Delete(State.Context.WorkDirectory, recursive: true);
    }

    /// <summary>Runs the entry the way a build does: found by type in the plugin catalog, through the engine's provision step.</summary>
    protected async Task ProvisionAsync(string type, ProvisionerConfig config)
    {
        var state = new SshTestState(WithProvisioners(State.Context, [new ResolvedPlugin<ProvisionerConfig>(type, config, null)]))
        {
            Communicator = State.Communicator,
            SshEndpoint = State.SshEndpoint,
            BuildKey = State.BuildKey,
        };
        await new ProvisionStep<SshTestState>().RunAsync(state, Cancellation);
    }

    protected async Task<string> WriteDefinitionFileAsync(string relativePath, string content)
    {
        var path = Path.Combine(DefinitionDirectory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, content, Cancellation);
        return path;
    }

    private static BuildContext WithProvisioners(BuildContext context, IReadOnlyList<ResolvedPlugin<ProvisionerConfig>> provisioners)
    {
        var source = context.Source with { Provisioners = provisioners };
        return context with { Image = context.Image with { Sources = [source] }, Source = source };
    }
}
