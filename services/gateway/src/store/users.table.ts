/** A user's profile: the only place the email is kept (see migrations/0003-users.ts). */
export interface UsersTable {
  user_id: string;
  email: string;
  timezone: string;
  created_at: Date;
  updated_at: Date;
}
