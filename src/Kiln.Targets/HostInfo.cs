namespace Kiln.Targets;

/// <summary>Placeholder so the project compiles until the host lands.</summary>
internal static class HostInfo
{
    public const string Name = "Kiln.Targets";
}
