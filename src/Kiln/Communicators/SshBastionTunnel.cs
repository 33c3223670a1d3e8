using Kiln.Diagnostics;
using Renci.SshNet;

namespace Kiln.Communicators;

/// <summary>
/// A login on a jump host with a local port (127.0.0.1, picked free) forwarded through it to the machine, which is
/// what OpenSSH's ProxyJump does. The machine's own SSH session then runs over the forward, end to end encrypted, so
/// the jump host sees neither its commands nor its host key check. The jump host's key is not pinned (Packer does not
/// check it either); the machine's is, by the communicator.
/// </summary>
internal sealed class SshBastionTunnel : IDisposable
{
    private readonly SshClient _client;
    private readonly ForwardedPortLocal _forward;
    private readonly PrivateKeyFile? _key;

    private SshBastionTunnel(SshClient client, ForwardedPortLocal forward, PrivateKeyFile? key)
    {
        _client = client;
        _forward = forward;
        _key = key;
    }

    public int LocalPort => (int)_forward.BoundPort;

    public bool IsOpen => _client.IsConnected && _forward.IsStarted;

    public static async Task<SshBastionTunnel> OpenAsync(SshBastion bastion, string targetHost, int targetPort, TimeSpan timeout, CancellationToken cancellationToken)
    {
        PrivateKeyFile? key = null;
        if (!string.IsNullOrEmpty(bastion.PrivateKeyPath))
        {
            try
            {
                key = new PrivateKeyFile(bastion.PrivateKeyPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Renci.SshNet.Common.SshException or ArgumentException)
            {
                throw new KilnException(
                    $"Cannot use the bastion's SSH private key '{bastion.PrivateKeyPath}': {ex.GetType().Name}.",
                    "ssh_bastion_private_key_file must be an unencrypted OpenSSH, PEM or PuTTY private key readable by this user.");
            }
        }

        var methods = SshLogin.Methods(bastion.Username, key, bastion.Password);
        if (methods.Length == 0)
        {
            throw new KilnException($"The bastion {bastion} has no way to log in.", "Set ssh_bastion_private_key_file or ssh_bastion_password.");
        }

        var client = new SshClient(new Renci.SshNet.ConnectionInfo(bastion.Host, bastion.Port, bastion.Username, methods) { Timeout = timeout });
        client.HostKeyReceived += (_, e) => e.CanTrust = true;
        try
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(timeout);
            await client.ConnectAsync(attempt.Token);
            var forward = new ForwardedPortLocal("127.0.0.1", 0, targetHost, (uint)targetPort);
            client.AddForwardedPort(forward);
            forward.Start();
            return new SshBastionTunnel(client, forward, key);
        }
        catch
        {
            client.Dispose();
            key?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            if (_forward.IsStarted)
            {
                _forward.Stop();
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or Renci.SshNet.Common.SshException)
        {
            // the bastion already dropped the connection
        }

        _forward.Dispose();
        _client.Dispose();
        _key?.Dispose();
    }
}
