namespace Kiln.Targets;

/// <summary>
/// What every build and build component sees. Components are interfaces deriving from this one with
/// default-implemented targets, e.g. <c>interface IKilnImages : IKilnBuild { Target BuildImages => ...; }</c>.
/// </summary>
public interface IKilnBuild
{
    /// <summary>The running host's services: root directory, log, parameters and secrets.</summary>
    BuildSession Session { get; }
}
