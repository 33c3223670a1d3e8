using Kiln.Engine;
using Kiln.Ledger;
using Kiln.Model;

namespace Kiln.Builders.Qemu.Install;

/// <summary>Starts the build's HTTP server (http_directory, http_content) for the build's life; cleanup stops it.</summary>
internal sealed class StartHttpServerStep : IStep<QemuBuildState>
{
    private ILedgerEntry? _entry;

    public string Name => "start HTTP server";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var directory = config.HttpDirectory is null ? null : ImageSource.LocalPath(config.HttpDirectory, Path.GetDirectoryName(state.Context.Image.FilePath)!);
        var id = $"http://127.0.0.1 ({state.Context.Image.Name}/{state.OutputName}, pid {Environment.ProcessId})";
        _entry = await state.Context.Ledger.RecordAsync(new LedgerResource(HttpServerSweeper.ResourceKind, id), cancellationToken);
        state.HttpServer = InstallerHttpServer.Start(new HttpFiles(directory, config.HttpContent), state.Context.Log);
        await _entry.UpdateAsync(new LedgerResource(HttpServerSweeper.ResourceKind, $"http://127.0.0.1:{state.HttpServer.Port}/ (pid {Environment.ProcessId})"), cancellationToken);
        state.Context.Log.Info($"serving {directory ?? "http_content"} at http://127.0.0.1:{state.HttpServer.Port}/ (the guest sees http://{InstallerHttpServer.GuestVisibleIp}:{state.HttpServer.Port}/)");
    }

    public async Task CleanupAsync(QemuBuildState state, CancellationToken cancellationToken)
    {
        if (state.HttpServer is { } server)
        {
            state.HttpServer = null;
            await server.DisposeAsync();
        }

        if (_entry is not null)
        {
            await _entry.ReleaseAsync(cancellationToken);
            _entry = null;
        }
    }
}

/// <summary>A build's HTTP server is a socket in Kiln's own process: it is gone when the run that ledgered it is, so a sweep only drops the record.</summary>
internal sealed class HttpServerSweeper : IResourceSweeper
{
    public const string ResourceKind = "http-server";

    public string Kind => ResourceKind;

    public Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken) => Task.CompletedTask;
}
