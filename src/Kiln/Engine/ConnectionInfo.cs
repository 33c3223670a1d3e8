namespace Kiln.Engine;

/// <summary>SSH coordinates of a machine, for tools and people outside Kiln. <see cref="PrivateKeyPath"/> is readable by its owner only.</summary>
public sealed record ConnectionInfo(string Host, int Port, string Username, string PrivateKeyPath)
{
    public string SshCommand =>
        $"ssh -i {PrivateKeyPath} -p {Port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null {Username}@{Host}";
}
