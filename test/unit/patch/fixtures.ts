// Realistic source files the patch tests edit.
export const USERS_TS = `import { Router, type Request, type Response } from 'express';
import { db } from '../db';
import { requireAuth } from '../auth';

export interface User {
  id: number;
  email: string;
  name: string;
  createdAt: Date;
}

const router = Router();

router.get('/users', requireAuth, async (req: Request, res: Response) => {
  const users = await db.query<User>('SELECT id, email, name, created_at FROM users ORDER BY id');
  res.json({ users });
});

router.get('/users/:id', requireAuth, async (req: Request, res: Response) => {
  const id = Number(req.params.id);
  if (!Number.isInteger(id) || id <= 0) {
    res.status(400).json({ error: 'invalid id' });
    return;
  }
  const [user] = await db.query<User>('SELECT id, email, name, created_at FROM users WHERE id = $1', [id]);
  if (!user) {
    res.status(404).json({ error: 'not found' });
    return;
  }
  res.json({ user });
});

router.delete('/users/:id', requireAuth, async (req: Request, res: Response) => {
  const id = Number(req.params.id);
  if (!Number.isInteger(id) || id <= 0) {
    res.status(400).json({ error: 'invalid id' });
    return;
  }
  await db.query('DELETE FROM users WHERE id = $1', [id]);
  res.status(204).end();
});

export default router;
`;

export const STATS_PY = `"""Summary statistics for request latencies."""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class Summary:
    count: int
    mean: float
    p50: float
    p99: float


def percentile(values: list[float], p: float) -> float:
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    index = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return ordered[index]


def summarize(values: list[float]) -> Summary:
    total = sum(values)
    return Summary(
        count=len(values),
        mean=total / len(values),
        p50=percentile(values, 50),
        p99=percentile(values, 99),
    )
`;
