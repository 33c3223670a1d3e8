using System.Text;
using Kiln.Communicators;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Provisioners;

/// <summary>
/// Packer's file provisioner through the build's communicator. Downloaded files appear whole or not at all
/// (written beside their target, then renamed). Parent directories of the destination are created.
/// </summary>
internal sealed class FileProvisioner : Provisioner<FileConfig>
{
    public override string Type => "file";

    // A download writes to the build host, which a cached layer cannot replay.
    protected override bool Cacheable(FileConfig config) => config.Direction == FileDirection.Upload;

    protected override Task RunAsync(FileConfig config, BuildState state, CancellationToken cancellationToken) =>
        config.Direction == FileDirection.Upload
            ? UploadAsync(config, state, cancellationToken)
            : DownloadAsync(config, state, cancellationToken);

    private async Task UploadAsync(FileConfig config, BuildState state, CancellationToken cancellationToken)
    {
        var communicator = ProvisionerCommunicator.Require(state, Type);
        var log = state.Context.Log;
        if (config.Content is { } content)
        {
            await MakeRemoteDirectoryAsync(communicator, ParentOf(config.Destination), cancellationToken);
            await communicator.UploadAsync(new MemoryStream(Encoding.UTF8.GetBytes(content)), config.Destination, cancellationToken);
            log.Info($"file: wrote {Encoding.UTF8.GetByteCount(content)} bytes of content to {config.Destination}");
            return;
        }

        var source = state.Context.Image.ResolvePath(config.Source!);
        if (Directory.Exists(source))
        {
            var target = ProvisionerPaths.MeansContents(config.Source!)
                ? config.Destination
                : RemotePath.Combine(config.Destination, Path.GetFileName(Path.TrimEndingDirectorySeparator(source)));
            log.Info($"file: uploading directory {config.Source} to {target}");
            await communicator.UploadDirectoryAsync(source, target, cancellationToken);
        }
        else if (File.Exists(source))
        {
            var target = config.Destination.EndsWith('/') ? RemotePath.Combine(config.Destination, Path.GetFileName(source)) : config.Destination;
            await MakeRemoteDirectoryAsync(communicator, ParentOf(target), cancellationToken);
            log.Info($"file: uploading {config.Source} to {target}");
            await using var stream = File.OpenRead(source);
            await communicator.UploadAsync(stream, target, cancellationToken, (int)UnixModes.Get(source, UnixModes.DefaultFile));
        }
        else
        {
            throw new KilnException($"file: '{config.Source}' not found (looked for {source}).", "Upload sources are relative to the definition file.");
        }
    }

    private async Task DownloadAsync(FileConfig config, BuildState state, CancellationToken cancellationToken)
    {
        var communicator = ProvisionerCommunicator.Require(state, Type);
        var log = state.Context.Log;
        var source = config.Source!;
        var destination = state.Context.Image.ResolvePath(config.Destination);
        switch (await RemoteKindAsync(communicator, source, cancellationToken))
        {
            case 'd':
            {
                var target = ProvisionerPaths.MeansContents(source) ? destination : Path.Combine(destination, RemotePath.FileName(source));
                log.Info($"file: downloading directory {source} to {target}");
                await communicator.DownloadDirectoryAsync(source, target, cancellationToken);
                break;
            }

            case 'f':
            {
                var target = ProvisionerPaths.MeansContents(config.Destination) || Directory.Exists(destination)
                    ? Path.Combine(destination, RemotePath.FileName(source))
                    : destination;
                log.Info($"file: downloading {source} to {target}");
                await DownloadFileAsync(communicator, state.Context.Ledger, source, target, cancellationToken);
                break;
            }

            default:
                throw new KilnException($"file: '{source}' does not exist on the machine.", "Download sources are paths on the machine.");
        }
    }

    private static async Task DownloadFileAsync(ICommunicator communicator, ILedger ledger, string source, string target, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var partial = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.kiln-partial");
        var entry = await ledger.RecordAsync(new LedgerResource(FileSweeper.ResourceKind, partial), cancellationToken);
        try
        {
            await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                await communicator.DownloadAsync(source, stream, cancellationToken);
            }

            File.Move(partial, target, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
            await entry.ReleaseAsync(CancellationToken.None);
        }
    }

    private async Task<char> RemoteKindAsync(ICommunicator communicator, string path, CancellationToken cancellationToken)
    {
        var quoted = ShellQuote.Quote(path);
        var output = new CommandOutputTail(capacity: 5);
        var result = await communicator.ExecuteAsync(
            new RemoteCommand($"if [ -d {quoted} ]; then echo d; elif [ -e {quoted} ]; then echo f; else echo n; fi"), output, cancellationToken);
        if (result.ExitCode != 0 || output.LastLines is not [{ Length: 1 } line])
        {
            throw new KilnException($"file: could not look at '{path}' on the machine (exit code {result.ExitCode}).{output.Describe()}");
        }

        return line[0];
    }

    private async Task MakeRemoteDirectoryAsync(ICommunicator communicator, string directory, CancellationToken cancellationToken)
    {
        if (directory is "" or "/" or ".")
        {
            return;
        }

        var output = new CommandOutputTail(capacity: 5);
        var result = await communicator.ExecuteAsync(new RemoteCommand("mkdir -p -- " + ShellQuote.Quote(directory)), output, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new KilnException($"file: could not create '{directory}' on the machine (exit code {result.ExitCode}).{output.Describe()}");
        }
    }

    private static string ParentOf(string remotePath)
    {
        var trimmed = RemotePath.TrimEnd(remotePath);
        var slash = trimmed.LastIndexOf('/');
        return slash switch
        {
            < 0 => "",
            0 => "/",
            _ => trimmed[..slash],
        };
    }
}
