namespace Kiln.Engine;

/// <summary>
/// How Kiln reaches a machine under construction: SSH for VMs and cloud instances, the Engine API for containers.
/// Provisioners only speak to this interface.
/// </summary>
public interface ICommunicator : IAsyncDisposable
{
    /// <summary>Runs a command through the remote shell, streaming its output as it comes.</summary>
    Task<CommandResult> ExecuteAsync(RemoteCommand command, ICommandOutput output, CancellationToken cancellationToken);

    Task UploadAsync(Stream content, string remotePath, CancellationToken cancellationToken, int mode = 420);

    /// <summary>Uploads a directory tree: <paramref name="localDirectory"/>'s contents land inside <paramref name="remoteDirectory"/>.</summary>
    Task UploadDirectoryAsync(string localDirectory, string remoteDirectory, CancellationToken cancellationToken);

    Task DownloadAsync(string remotePath, Stream destination, CancellationToken cancellationToken);

    Task DownloadDirectoryAsync(string remoteDirectory, string localDirectory, CancellationToken cancellationToken);

    /// <summary>How an external tool (ansible-playbook, a person running ssh) reaches the same machine, if it can.</summary>
    ConnectionInfo? Connection { get; }
}
