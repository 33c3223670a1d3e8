namespace Kiln.Engine;

/// <summary>A builder, provisioner or publisher that runs programs on the build host for the given (bound) config.</summary>
public interface IDeclaresHostRequirements
{
    IEnumerable<HostRequirement> HostRequirements(object config);
}
