namespace Kiln.Builders.Amazon;

/// <summary>Ledger kinds of the EC2 resources a build creates; each has a sweeper.</summary>
internal static class Ec2ResourceKinds
{
    public const string Instance = "ec2-instance";
    public const string KeyPair = "ec2-key-pair";
    public const string SecurityGroup = "ec2-security-group";
    public const string Image = "ec2-image";
    public const string Snapshot = "ec2-snapshot";

    /// <summary>The tag every resource of a run carries, so leftovers of dead runs can be found in the account.</summary>
    public const string RunTag = "kiln:run";

    /// <summary>Ledger data keys beyond the location.</summary>
    internal const string NameKey = "name";
    internal const string ClientTokenKey = "client-token";
    internal const string RunKey = "run";
    internal const string VpcKey = "vpc";
}
