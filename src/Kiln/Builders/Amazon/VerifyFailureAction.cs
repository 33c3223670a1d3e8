namespace Kiln.Builders.Amazon;

internal enum VerifyFailureAction
{
    /// <summary>Deregister the AMIs and delete their snapshots, in every region.</summary>
    Deregister,

    /// <summary>Keep the AMIs (untagged as a result: nothing is published) for inspection.</summary>
    Keep,
}
