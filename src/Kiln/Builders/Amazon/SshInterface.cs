namespace Kiln.Builders.Amazon;

/// <summary>Which of the instance's addresses SSH connects to.</summary>
internal enum SshInterface
{
    PublicIp,
    PrivateIp,
    PublicDns,
    PrivateDns,
}
