namespace Kiln.Model;

/// <summary>The stages every build moves through, in order. Each step belongs to exactly one.</summary>
public enum Stage
{
    Boot,
    Provision,
    Capture,
    Verify,
    Publish,
}
