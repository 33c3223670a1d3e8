namespace Kiln.Targets;

/// <summary>
/// A target, declared as a property: <c>Target Compile => _ => _.DependsOn(Restore).Executes(...);</c>.
/// The property's delegate is the target's identity, so a target can refer to another by its property.
/// </summary>
public delegate ITargetDefinition Target(ITargetDefinition definition);
