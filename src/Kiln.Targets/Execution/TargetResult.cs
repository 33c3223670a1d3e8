namespace Kiln.Targets;

/// <summary>How one planned target ended.</summary>
public sealed record TargetResult(string Name, TargetStatus Status, TimeSpan Duration, string? Note = null, Exception? Error = null);
