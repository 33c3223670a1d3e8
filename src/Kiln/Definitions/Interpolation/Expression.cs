namespace Kiln.Definitions.Interpolation;

/// <summary>An expression inside <c>{{ }}</c>. <see cref="Offset"/> is its position in the template text, for error locations.</summary>
public abstract record Expression(int Offset);

/// <summary>A dotted reference such as <c>var.region</c> or <c>image.base.artifact.qcow2</c>.</summary>
public sealed record ReferenceExpression(IReadOnlyList<string> Path, int Offset) : Expression(Offset)
{
    public override string ToString() => string.Join('.', Path);
}

/// <summary>A function call such as <c>lower(var.name)</c>; a bare <c>timestamp</c> is a call without arguments.</summary>
public sealed record CallExpression(string Function, IReadOnlyList<Expression> Arguments, int Offset) : Expression(Offset);

public sealed record LiteralExpression(Value Value, int Offset) : Expression(Offset);

/// <summary>One piece of a template: literal text, or an expression to evaluate.</summary>
public abstract record TemplatePart;

public sealed record TextPart(string Text) : TemplatePart;

public sealed record ExpressionPart(Expression Expression) : TemplatePart;
