namespace Kiln.Components;

internal static class ComponentsInfo
{
    public const string Name = "Kiln.Components";
}
